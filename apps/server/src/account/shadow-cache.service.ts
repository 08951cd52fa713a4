import type { Database } from '@ipelya/db';
import type { ShadowCleanupStep } from '../domain-module.ts';
import { type PurgeOptions, purgeInBatches } from '../messaging/no-trace.service.ts';
import type { Storage } from '../storage/storage.ts';

/**
 * The account domain's own step: for personas that are switched off or deleted, their discovery vectors, avatar
 * (row and bytes) and the notifications they caused; plus expired network fingerprints of the social firewall.
 */
export const SHADOW_CACHE_STEP: ShadowCleanupStep = {
  reason: 'shadow-cache:purge',
  fn: 'public.purge_shadow_caches',
};

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
  let handled = 0;
  for (const step of steps) handled += await purgeInBatches(db, storage, step, opts);
  return handled;
}
