import type { Database } from '@ipelya/db';
import { type PurgeOptions, purgeInBatches } from '../messaging/no-trace.service.ts';
import type { Storage } from '../storage/storage.ts';

/**
 * The shadow-cache cleaner: for personas that are switched off or deleted, their discovery vectors, avatar
 * (row and bytes) and the notifications they caused; plus expired network fingerprints of the social firewall.
 * Batched (purge_shadow_caches), idempotent, and resumable: bytes whose rows are gone wait in purge_queue,
 * which is drained first. `asOf` is injectable for tests. Returns rows removed plus files deleted.
 */
export const purgeShadowCaches = (db: Database, storage: Storage, opts: PurgeOptions = {}) =>
  purgeInBatches(db, storage, { reason: 'shadow-cache:purge', fn: 'public.purge_shadow_caches' }, opts);
