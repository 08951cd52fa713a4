import type { Database, JwtClaims } from '@ipelya/db';
import type { LocalOutbox } from '../auth/otp-delivery.ts';
import type { AccountDeletionStep } from '../domain-module.ts';
import { DomainError } from '../errors.ts';
import { destroyReleasedKeys } from '../messaging/no-trace.service.ts';
import type { Storage } from '../storage/storage.ts';

/** The frame of every account deletion: begin opens the flow the domain steps check, finish closes it. */
export const BEGIN_ACCOUNT_DELETION = 'select path from public.begin_account_deletion() as path';
export const FINISH_ACCOUNT_DELETION = 'select path from public.finish_account_deletion() as path';

export type ShadowStatus = 'active' | 'off' | 'suspended' | 'deleted';

export async function shadowStatus(db: Database, claims: JwtClaims): Promise<ShadowStatus> {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ status: ShadowStatus | null }>(
      'select public.my_shadow_status() as status',
    );
    const status = rows[0]?.status;
    if (!status) throw new DomainError('not_found', 'not_found', 'profile not found');
    return status;
  });
}

/**
 * Switches the caller's shadow persona on or off. Off also moves every session that is in the shadow back to
 * real; the route re-issues the caller's own tokens when it was one of them.
 */
export async function setShadowActive(
  db: Database,
  claims: JwtClaims,
  active: boolean,
): Promise<'active' | 'off'> {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ status: 'active' | 'off' }>(
      'select public.set_shadow_active($1) as status',
      [active],
    );
    return rows[0]!.status;
  });
}

/**
 * Deletes the caller's account in one SQL transaction, then deletes the bytes of its media. A byte delete that
 * fails stays queued in purge_queue for the purge jobs; the media rows are already gone, so no URL serves them.
 * Nothing here is logged: no handle, address or id of the deleted account.
 *
 * `steps`: the registry's per-domain deletion steps (accountDeletionSteps() in src/domains.ts), run in order in
 * that one transaction between begin_account_deletion() and finish_account_deletion(); the SQL refuses a step
 * run outside that frame (account_deletion_context). Rows a step returns with a `path` column are storage
 * objects to delete afterwards.
 */
export async function deleteAccount(
  db: Database,
  storage: Storage | undefined,
  claims: JwtClaims,
  outbox: LocalOutbox | null | undefined,
  steps: readonly AccountDeletionStep[],
): Promise<{ objects: number }> {
  // The addresses, to remove them from the local outbox afterwards (the rows go with the account).
  const addresses = outbox
    ? await db.service('account:addresses', async (tx) => {
        const { rows } = await tx.query<{ email: string | null; phone: string | null }>(
          'select email, phone from auth.users where id = $1',
          [claims.sub],
        );
        const u = rows[0];
        return u ? [u.email?.toLowerCase(), u.phone, u.phone ? `+${u.phone.replace(/^\+/, '')}` : null] : [];
      })
    : [];
  // Refused while money is still moving (IPD01–IPD04, mapped by the account module): nothing is deleted.
  const sql = [BEGIN_ACCOUNT_DELETION, ...steps.map((s) => s.sql), FINISH_ACCOUNT_DELETION];
  const paths = await db.asUser(claims, async (tx) => {
    const out: string[] = [];
    for (const q of sql) {
      const { rows } = await tx.query<{ path?: unknown }>(q);
      for (const r of rows) if (typeof r.path === 'string') out.push(r.path);
    }
    return out;
  });
  if (storage && paths.length) await deleteQueuedBytes(db, storage, paths);
  // Keys of the sealed media and messages that went with the account; failures wait for the purge job.
  if (storage) await destroyReleasedKeys(db, storage).catch(() => {});
  outbox?.forget(addresses.filter((a): a is string => Boolean(a)));
  return { objects: paths.length };
}

/** Deletes these queued objects now and clears their queue rows; failures are left for the purge jobs. */
async function deleteQueuedBytes(db: Database, storage: Storage, paths: string[]): Promise<void> {
  const done: string[] = [];
  for (const path of paths) {
    try {
      await storage.driver.deleteObject(path);
      done.push(path);
    } catch {
      // Left in purge_queue: the next no-trace or shadow-cache-cleaner run retries it.
    }
  }
  if (!done.length) return;
  await db.service('account:purge-queue-clear', (tx) =>
    tx.query('delete from public.purge_queue where object_path = any ($1)', [done]),
  );
}
