import type { Database } from '@ipelya/db';
import type { ShadowCleanupStep } from '../domain-module.ts';
import { drainPurgeQueue, type PurgeOptions, runPurgeStep } from '../messaging/no-trace.service.ts';
import type { Storage } from '../storage/storage.ts';

/**
 * The shadow-cache cleaner: runs every domain's shadow-cleanup step (shadowCleanupSteps() in src/domains.ts),
 * each batched, idempotent and resumable: bytes whose rows are gone wait in purge_queue, which is drained
 * first. `asOf` is injectable for tests. Returns rows removed plus files deleted.
 */
export async function purgeShadowCaches(
  db: Database,
  storage: Storage,
  steps: ShadowCleanupStep[],
  opts: PurgeOptions = {},
): Promise<number> {
  const until = Date.now() + (opts.budgetMs ?? 45_000);
  // Bytes left by a crashed run first; then every step's rows; then the bytes those steps queued.
  let handled = await drainPurgeQueue(db, storage);
  for (const step of steps) handled += await runPurgeStep(db, step, opts, until);
  return handled + (await drainPurgeQueue(db, storage));
}
