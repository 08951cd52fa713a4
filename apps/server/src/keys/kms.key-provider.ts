import { DecryptCommand, GenerateDataKeyCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { DomainError } from '../errors.ts';
import type { StorageDriver } from '../storage/storage.driver.ts';
import { assertKeyId, type KeyProvider } from './key-provider.ts';

/** Object prefix of wrapped data keys in the key store. */
export const WRAPPED_KEY_PREFIX = 'sealing-keys';

/** A store that can also remove every stored version of an object (S3 with versioning). */
type VersionedStore = StorageDriver & { deleteAllVersions?(key: string): Promise<void> };

async function readAll(store: StorageDriver, key: string): Promise<Buffer | null> {
  const stream = await store.getObject(key);
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * AWS KMS envelope encryption: each data key comes from GenerateDataKey under one master key (KMS_KEY_ID)
 * and is kept only wrapped (its CiphertextBlob), in an object store outside the database: the S3 bucket
 * under `sealing-keys/` in production, so every server process shares them. Reading a key is a KMS Decrypt
 * with the same encryption context (the key id), which CloudTrail records. Destroying deletes the wrapped key
 * (every version of it), after which not even KMS can recover the data key: crypto-shredding without deleting
 * master keys.
 */
export class AwsKmsKeyProvider implements KeyProvider {
  readonly name = 'aws-kms' as const;

  constructor(
    readonly kms: KMSClient,
    readonly masterKeyId: string,
    readonly store: VersionedStore,
  ) {}

  static fromConfig(o: {
    masterKeyId: string;
    region: string;
    endpoint?: string;
    store: StorageDriver;
    /** Absent: the SDK's default chain (instance role, web identity …). */
    credentials?: KMSClientConfig['credentials'];
    requestHandler?: KMSClientConfig['requestHandler'];
  }): AwsKmsKeyProvider {
    const kms = new KMSClient({
      region: o.region,
      endpoint: o.endpoint,
      credentials: o.credentials,
      requestHandler: o.requestHandler,
      maxAttempts: 3,
    });
    return new AwsKmsKeyProvider(kms, o.masterKeyId, o.store);
  }

  private context(id: string) {
    return { purpose: 'ipelya-sealing-key', key_id: id };
  }

  private objectKey(id: string) {
    assertKeyId(id);
    return `${WRAPPED_KEY_PREFIX}/${id}`;
  }

  private async unwrap(id: string, blob: Buffer): Promise<Buffer> {
    const out = await this.kms.send(
      new DecryptCommand({
        CiphertextBlob: blob,
        KeyId: this.masterKeyId,
        EncryptionContext: this.context(id),
      }),
    );
    const plain = out.Plaintext;
    if (plain?.length !== 32) throw new Error('KMS Decrypt returned no 256-bit key');
    return Buffer.from(plain);
  }

  async get(id: string, opts: { create?: boolean } = {}): Promise<Buffer | null> {
    const key = this.objectKey(id);
    const existing = await readAll(this.store, key);
    if (existing) return this.unwrap(id, existing);
    if (!opts.create) return null;
    const out = await this.kms.send(
      new GenerateDataKeyCommand({
        KeyId: this.masterKeyId,
        KeySpec: 'AES_256',
        EncryptionContext: this.context(id),
      }),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
    const wrapped = Buffer.from(out.CiphertextBlob);
    try {
      await this.store.putObject(key, wrapped, {
        contentType: 'application/octet-stream',
        exclusive: true,
        contentLength: wrapped.length,
      });
    } catch (err) {
      // Another process created this window's key first: use theirs.
      if (err instanceof DomainError && err.kind === 'conflict') return this.get(id);
      if ((err as { name?: string }).name === 'PreconditionFailed') return this.get(id);
      throw err;
    }
    return Buffer.from(out.Plaintext);
  }

  async destroy(id: string): Promise<void> {
    const key = this.objectKey(id);
    if (this.store.deleteAllVersions) await this.store.deleteAllVersions(key);
    else await this.store.deleteObject(key);
  }
}
