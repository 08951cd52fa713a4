import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Env } from '../env.ts';
import { DomainError } from '../errors.ts';
import { LocalFsDriver } from './local-fs.driver.ts';
import { S3Driver } from './s3.driver.ts';
import { type StorageDriver, UnconfiguredDriver } from './storage.driver.ts';
import { TicketSigner } from './storage-tickets.ts';

/** Upload tickets live long enough for a large file on a slow mobile link, not longer. */
export const UPLOAD_TTL_SECONDS = 600;

export type StorageOptions = {
  /** Origin of this server; local signed URLs are built on it. */
  publicUrl: string;
  /** Lifetime of signed download URLs. */
  urlTtlSeconds: number;
  uploadTtlSeconds?: number;
};

export type SignedUrl = { url: string; expiresAt: Date };

/** The object store plus URL signing; domain code asks it for URLs and never builds them itself. */
export class Storage {
  readonly uploadTtlSeconds: number;

  constructor(
    readonly driver: StorageDriver,
    readonly tickets: TicketSigner,
    readonly opts: StorageOptions,
    readonly log?: Logger,
  ) {
    this.uploadTtlSeconds = opts.uploadTtlSeconds ?? UPLOAD_TTL_SECONDS;
  }

  private expiry(seconds: number) {
    const exp = Math.floor(Date.now() / 1000) + seconds;
    return { exp, expiresAt: new Date(exp * 1000) };
  }

  /** Where the client PUTs the bytes: a presigned backend URL, or this server's ticketed endpoint. */
  async uploadUrl(o: {
    mediaId: string;
    key: string;
    contentType: string;
    size: number;
  }): Promise<SignedUrl> {
    const { exp, expiresAt } = this.expiry(this.uploadTtlSeconds);
    if (this.driver.presignPut) {
      const url = await this.driver.presignPut(o.key, {
        contentType: o.contentType,
        size: o.size,
        expiresInSeconds: this.uploadTtlSeconds,
      });
      return { url, expiresAt };
    }
    const token = this.tickets.sign({
      use: 'put',
      mid: o.mediaId,
      key: o.key,
      ct: o.contentType,
      max: o.size,
      exp,
    });
    return { url: `${this.opts.publicUrl}/storage/v1/upload/${token}`, expiresAt };
  }

  /** An expiring read URL for one object. */
  async downloadUrl(o: { mediaId: string; key: string; contentType: string }): Promise<SignedUrl> {
    const { exp, expiresAt } = this.expiry(this.opts.urlTtlSeconds);
    if (this.driver.presignGet) {
      const url = await this.driver.presignGet(o.key, {
        contentType: o.contentType,
        expiresInSeconds: this.opts.urlTtlSeconds,
      });
      return { url, expiresAt };
    }
    const token = this.tickets.sign({ use: 'get', mid: o.mediaId, key: o.key, ct: o.contentType, exp });
    return { url: `${this.opts.publicUrl}/storage/v1/object/sign/${token}`, expiresAt };
  }

  /** Best effort: a failed delete leaves an orphan object, never a broken request. */
  async deleteQuietly(key: string): Promise<void> {
    try {
      await this.driver.deleteObject(key);
    } catch (err) {
      this.log?.warn({ err, key }, 'storage: could not delete object');
    }
  }
}

function driverFor(env: Env, log: Logger): StorageDriver {
  if (env.STORAGE_DRIVER === 'local') return new LocalFsDriver(join(env.DATA_DIR, 'storage'));
  try {
    return S3Driver.fromEnv(env);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    // Boot anyway: everything but storage works, and storage calls answer 503 with the same message.
    log.warn({ missing: (err.details as { missing: string[] }).missing }, err.message);
    return new UnconfiguredDriver((err.details as { missing: string[] }).missing);
  }
}

export function createStorage(env: Env, log: Logger): Storage {
  const driver = driverFor(env, log);
  log.info({ driver: driver.name }, 'storage');
  return new Storage(
    driver,
    new TicketSigner(env.JWT_SECRET),
    { publicUrl: env.PUBLIC_URL.replace(/\/+$/, ''), urlTtlSeconds: env.STORAGE_URL_TTL_SECONDS },
    log,
  );
}
