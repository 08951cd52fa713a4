import type { Database } from '@ipelya/db';
import { drainPurgeQueue } from '../messaging/no-trace.service.ts';
import type { Storage } from '../storage/storage.ts';

/**
 * The shadow-cache cleaner: for personas that are switched off or deleted, their discovery vectors, avatar
 * (row and bytes) and the notifications they caused; plus expired network fingerprints of the social firewall.
 * Batched (purge_shadow_caches), idempotent, and resumable: bytes whose rows are gone wait in purge_queue,
 * which is drained first. `asOf` is injectable for tests. Returns rows removed plus files deleted.
 */
export async function purgeShadowCaches(
  db: Database,
  storage: Storage,
  opts: { asOf?: Date; batch?: number; maxBatches?: number } = {},
): Promise<number> {
  const batch = opts.batch ?? 500;
  const maxBatches = opts.maxBatches ?? 20;
  let handled = await drainPurgeQueue(db, storage);
  for (let i = 0; i < maxBatches; i++) {
    const n = await db.service('shadow-cache:purge', async (tx) => {
      const { rows } = await tx.query<{ n: number }>(
        'select public.purge_shadow_caches(coalesce($1::timestamptz, now()), $2) as n',
        [opts.asOf?.toISOString() ?? null, batch],
      );
      return Number(rows[0]!.n);
    });
    if (n === 0) break;
    handled += n + (await drainPurgeQueue(db, storage));
  }
  return handled;
}
