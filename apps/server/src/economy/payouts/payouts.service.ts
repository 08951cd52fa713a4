import type { Payout, PayoutAccount, PayoutAccountInput, PayoutStatus } from '@ipelya/contracts';
import { PayoutAccountInputSchema } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { DomainError, forbidden, notFound } from '../../errors.ts';
import { iso } from '../../shared/pagination.ts';
import { type PayoutTransfer, PayoutTransferError } from './payout-provider.ts';
import type { PayoutProviders } from './payout-providers.ts';

type PayoutRow = {
  id: string;
  creator_id: string;
  amount_coins: string;
  amount_minor: string;
  currency: string;
  status: PayoutStatus;
  approval_reason: Payout['approval_reason'];
  provider: Payout['provider'];
  destination: string | null;
  external_id: string | null;
  attempts: number;
  transfer_seq: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  approved_at: Date | null;
  period_start: Date;
  period_end: Date;
  created_at: Date;
};
type EventRow = { payout_id: string; status: string; note: string | null; created_at: Date };

/** Rows plus their status history, read in the caller's role (RLS decides for creators). */
async function withEvents(tx: Queryable, rows: PayoutRow[]): Promise<Payout[]> {
  if (!rows.length) return [];
  const { rows: events } = await tx.query<EventRow>(
    'select payout_id, status, note, created_at from public.payout_events where payout_id = any($1::uuid[]) order by id',
    [rows.map((r) => r.id)],
  );
  return rows.map((r) => ({
    id: r.id,
    creator_id: r.creator_id,
    amount_coins: Number(r.amount_coins),
    amount_minor: Number(r.amount_minor),
    currency: r.currency,
    status: r.status,
    approval_reason: r.approval_reason,
    provider: r.provider,
    external_id: r.external_id,
    attempts: r.attempts,
    next_attempt_at: iso(r.next_attempt_at),
    last_error: r.last_error,
    approved_at: iso(r.approved_at),
    period_start: iso(r.period_start)!,
    period_end: iso(r.period_end)!,
    created_at: iso(r.created_at)!,
    events: events
      .filter((e) => e.payout_id === r.id)
      .map((e) => ({ status: e.status, note: e.note, created_at: iso(e.created_at)! })),
  }));
}

/** The active persona's payouts, newest first, each with every step it went through. */
export async function myPayouts(db: Database, claims: JwtClaims): Promise<Payout[]> {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<PayoutRow>(
      'select * from public.payouts where creator_id = public.current_persona_id() order by created_at desc limit 200',
    );
    return withEvents(tx, rows);
  });
}

async function requireAdmin(db: Database, claims: JwtClaims) {
  const admin = await db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ ok: boolean }>('select public.is_admin() as ok');
    return rows[0]?.ok === true;
  });
  if (!admin) throw forbidden('admins only');
}

/** Admin queue: every creator's payouts (optionally one status), oldest open ones first. */
export async function adminPayouts(
  db: Database,
  claims: JwtClaims,
  q: { status?: PayoutStatus; limit: number },
): Promise<Payout[]> {
  await requireAdmin(db, claims);
  return db.service('admin:payouts', async (tx) => {
    const { rows } = await tx.query<PayoutRow>(
      'select * from public.payouts where ($1::text is null or status = $1) order by created_at limit $2',
      [q.status ?? null, q.limit],
    );
    return withEvents(tx, rows);
  });
}

/** An admin approves a first or large payout; the database checks the caller is an admin. */
export async function approvePayout(db: Database, claims: JwtClaims, payoutId: string): Promise<Payout> {
  await db.asUser(claims, (tx) => tx.query('select public.approve_payout($1)', [payoutId]));
  return db.service('admin:payouts', async (tx) => {
    const { rows } = await tx.query<PayoutRow>('select * from public.payouts where id = $1', [payoutId]);
    if (!rows[0]) throw notFound('payout');
    return (await withEvents(tx, rows))[0]!;
  });
}

/** `accepts` says which providers this deployment pays through (never `local` in production). */
export async function setPayoutAccount(
  db: Database,
  claims: JwtClaims,
  input: PayoutAccountInput,
  accepts: (provider: string) => boolean = () => true,
): Promise<PayoutAccount> {
  const v = PayoutAccountInputSchema.parse(input);
  if (!accepts(v.provider))
    throw new DomainError(
      'validation',
      'payout_provider_unavailable',
      `${v.provider} payouts are not available on this server`,
      { fields: [{ path: 'provider', message: `${v.provider} payouts are not available on this server` }] },
    );
  return db.asUser(claims, async (tx) => {
    await tx.query('select public.set_payout_account($1, $2, $3)', [
      v.provider,
      v.account_id,
      v.holder_name ?? null,
    ]);
    const { rows } = await tx.query<{
      provider: PayoutAccount['provider'];
      account_id: string;
      holder_name: string | null;
      updated_at: Date;
    }>(
      'select provider, account_id, holder_name, updated_at from public.payout_accounts where creator_id = public.current_persona_id()',
    );
    return { ...rows[0]!, updated_at: iso(rows[0]!.updated_at)! };
  });
}

/** Scheduler (weekly, injected clock): payout rows for every creator above the minimum. Idempotent per week. */
export async function schedulePayouts(db: Database, asOf: Date = new Date()): Promise<number> {
  return db.service('job:payouts-schedule', async (tx) => {
    const { rows } = await tx.query<{ n: number }>('select public.schedule_payouts($1) as n', [
      asOf.toISOString(),
    ]);
    return Number(rows[0]?.n ?? 0);
  });
}

export type ProcessResult = { paid: number; processing: number; failed: number };
type Log = { warn: (obj: object, msg: string) => void };

const transferOf = (r: PayoutRow & { holder_name: string | null }): PayoutTransfer => ({
  payoutId: r.id,
  creatorId: r.creator_id,
  amountCoins: Number(r.amount_coins),
  amountMinor: Number(r.amount_minor),
  currency: r.currency,
  destination: r.destination,
  holderName: r.holder_name,
  idempotencyKey: `payout-${r.id}-${r.transfer_seq}`,
});

/**
 * Scheduler (every few minutes, injected clock): hands due payouts to their provider and records the answer;
 * then asks providers that settle later about payouts still processing. Claims are committed before any
 * provider call, so two workers never send the same payout, and a crash mid-call is retried with the same key.
 */
export async function processPayouts(
  db: Database,
  providers: PayoutProviders,
  asOf: Date = new Date(),
  log?: Log,
): Promise<ProcessResult> {
  const at = asOf.toISOString();
  const out: ProcessResult = { paid: 0, processing: 0, failed: 0 };
  const record = (sql: string, params: unknown[]) =>
    db.service('job:payouts-process', (tx) => tx.query<{ s: string }>(sql, params));
  const fail = async (id: string, err: unknown) => {
    const definitive = err instanceof PayoutTransferError ? err.definitive : false;
    const message = err instanceof Error ? err.message : String(err);
    log?.warn({ payout: id, definitive, err: message }, 'payout attempt failed');
    await record('select public.mark_payout_failed($1, $2, $3, $4) as s', [id, message, at, definitive]);
    out.failed++;
  };

  const claimed = await db.service('job:payouts-process', async (tx) => {
    const { rows } = await tx.query<PayoutRow & { holder_name: string | null }>(
      `select c.*, a.holder_name from public.claim_due_payouts($1) c
       left join public.payout_accounts a on a.creator_id = c.creator_id`,
      [at],
    );
    return rows;
  });
  for (const row of claimed) {
    try {
      const result = await providers.get(row.provider).transfer(transferOf(row));
      if (result.status === 'paid') {
        await record('select public.mark_payout_paid($1, $2, $3) as s', [row.id, result.externalId, at]);
        out.paid++;
      } else {
        await record('select public.mark_payout_processing($1, $2, $3) as s', [
          row.id,
          result.externalId,
          at,
        ]);
        out.processing++;
      }
    } catch (err) {
      await fail(row.id, err);
    }
  }

  const waiting = await db.service('job:payouts-process', async (tx) => {
    const { rows } = await tx.query<PayoutRow & { holder_name: string | null }>(
      `select p.*, a.holder_name from public.payouts p left join public.payout_accounts a on a.creator_id = p.creator_id
       where p.status = 'processing' and p.external_id is not null order by p.created_at limit 100`,
    );
    return rows;
  });
  for (const row of waiting) {
    const provider = providers.get(row.provider);
    if (!provider.check) continue;
    try {
      const state = await provider.check(transferOf(row), row.external_id!);
      if (state.status === 'paid') {
        await record('select public.mark_payout_paid($1, $2, $3) as s', [row.id, row.external_id, at]);
        out.paid++;
      } else if (state.status === 'failed') {
        await fail(row.id, new PayoutTransferError(state.error ?? 'provider reported failure', true));
      }
    } catch (err) {
      // Asking failed, not the transfer: keep waiting.
      log?.warn({ payout: row.id, err: (err as Error).message }, 'payout status check failed');
    }
  }
  return out;
}
