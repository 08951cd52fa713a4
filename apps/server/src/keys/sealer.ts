import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Env } from '../env.ts';
import { LocalFsDriver } from '../storage/local-fs.driver.ts';
import type { StorageDriver } from '../storage/storage.driver.ts';
import { type KeyProvider, LocalKeyDirectory } from './key-provider.ts';
import { AwsKmsKeyProvider } from './kms.key-provider.ts';
import { openText, sealText } from './sealed-box.ts';

/**
 * The data keys of sealed content, with a short in-memory cache so a page of messages costs one key read.
 * A key destroyed by another process may stay cached here for `cacheMs`; by then its rows are gone or hidden.
 */
export class Sealer {
  private readonly cache = new Map<string, { key: Buffer; at: number }>();

  constructor(
    readonly provider: KeyProvider,
    private readonly cacheMs = 60_000,
  ) {}

  /** A fresh per-object key id (view-once and read-timer bodies, sealed media). */
  static objectKeyId(): string {
    return `k-${randomUUID()}`;
  }

  async key(id: string, create = false): Promise<Buffer | null> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.key;
    const key = await this.provider.get(id, { create });
    if (key) {
      this.cache.set(id, { key, at: Date.now() });
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    } else this.cache.delete(id);
    return key;
  }

  async sealText(id: string, text: string, aad: string): Promise<Buffer> {
    const key = await this.key(id, true);
    return sealText(key!, text, aad);
  }

  /** Null when the key is gone (destroyed) or the box does not open. */
  async openText(id: string, box: Buffer, aad: string): Promise<string | null> {
    const key = await this.key(id);
    return key ? openText(key, box, aad) : null;
  }

  async destroy(id: string): Promise<void> {
    this.cache.delete(id);
    await this.provider.destroy(id);
  }
}

/**
 * local (default): keys in KEYS_DIR (DATA_DIR/keys). aws-kms: data keys from KMS, kept wrapped in the object
 * store (the S3 bucket when STORAGE_DRIVER=s3, else KEYS_DIR). Production must use aws-kms: a key directory
 * next to the data it protects is a development shortcut.
 */
export function sealerFromEnv(env: Env, storage: StorageDriver, log: Logger): Sealer {
  const dir = env.KEYS_DIR ?? join(env.DATA_DIR, 'keys');
  // loadEnv refuses the production profile without aws-kms (deployment-profile.ts); this guards direct callers.
  if (env.profile === 'production' && env.KEY_PROVIDER !== 'aws-kms') {
    throw new Error(
      'Invalid server configuration:\n  KEY_PROVIDER=aws-kms (with KMS_KEY_ID) is required in production',
    );
  }
  if (env.KEY_PROVIDER === 'local') {
    log.info({ provider: 'local' }, 'sealing keys');
    return new Sealer(new LocalKeyDirectory(dir));
  }
  if (!env.KMS_KEY_ID)
    throw new Error('Invalid server configuration:\n  KMS_KEY_ID is required with KEY_PROVIDER=aws-kms');
  const store = storage.name === 's3' ? storage : new LocalFsDriver(dir);
  log.info({ provider: 'aws-kms', store: store.name }, 'sealing keys');
  return new Sealer(
    AwsKmsKeyProvider.fromConfig({
      masterKeyId: env.KMS_KEY_ID,
      region: env.KMS_REGION,
      endpoint: env.KMS_ENDPOINT,
      store,
    }),
  );
}
