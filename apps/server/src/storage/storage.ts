import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Env } from '../env.ts';
import { DomainError } from '../errors.ts';
import {
  MEDIA_CHUNK,
  MEDIA_HEADER_BYTES,
  openingStream,
  plainSize,
  sealedRange,
  totalChunks,
} from '../keys/sealed-box.ts';
import { type Sealer, sealerFromEnv } from '../keys/sealer.ts';
import { LocalFsDriver } from './local-fs.driver.ts';
import { S3Driver } from './s3.driver.ts';
import { type ByteRange, type StorageDriver, UnconfiguredDriver } from './storage.driver.ts';
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
    /** Data keys of sealed objects (no-trace message media); see keys/. */
    readonly sealer: Sealer,
    readonly log?: Logger,
  ) {
    this.uploadTtlSeconds = opts.uploadTtlSeconds ?? UPLOAD_TTL_SECONDS;
  }

  private expiry(seconds: number) {
    const exp = Math.floor(Date.now() / 1000) + seconds;
    return { exp, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Where the client PUTs the bytes: a presigned backend URL, or this server's ticketed endpoint. Sealed
   * uploads (`keyId`) always come through this server, which encrypts them before they touch any disk.
   */
  async uploadUrl(o: {
    mediaId: string;
    key: string;
    contentType: string;
    size: number;
    keyId?: string | null;
  }): Promise<SignedUrl> {
    const { exp, expiresAt } = this.expiry(this.uploadTtlSeconds);
    if (this.driver.presignPut && !o.keyId) {
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
      ...(o.keyId ? { kid: o.keyId } : {}),
    });
    return { url: `${this.opts.publicUrl}/storage/v1/upload/${token}`, expiresAt };
  }

  /**
   * An expiring read URL for one object. Sealed objects (`keyId`) are served by this server, decrypted, and
   * checked against the database on every request; `viewOnce` names the view-once message this URL opens.
   */
  async downloadUrl(o: {
    mediaId: string;
    key: string;
    contentType: string;
    keyId?: string | null;
    viewOnce?: string;
  }): Promise<SignedUrl> {
    const { exp, expiresAt } = this.expiry(this.opts.urlTtlSeconds);
    if (this.driver.presignGet && !o.keyId) {
      const url = await this.driver.presignGet(o.key, {
        contentType: o.contentType,
        expiresInSeconds: this.opts.urlTtlSeconds,
      });
      return { url, expiresAt };
    }
    const token = this.tickets.sign({
      use: 'get',
      mid: o.mediaId,
      key: o.key,
      ct: o.contentType,
      exp,
      ...(o.keyId ? { kid: o.keyId } : {}),
      ...(o.viewOnce ? { vo: o.viewOnce } : {}),
    });
    return { url: `${this.opts.publicUrl}/storage/v1/object/sign/${token}`, expiresAt };
  }

  /** Plaintext size of an object as stored (sealed objects carry a header and a tag per chunk). */
  async size(key: string, keyId?: string | null): Promise<number | null> {
    const info = await this.driver.stat(key);
    if (!info) return null;
    return keyId ? plainSize(info.size) : info.size;
  }

  /** The plaintext of an object (or of `range`, inclusive); sealed ones are decrypted chunk by chunk. */
  async read(key: string, o: { keyId?: string | null; range?: ByteRange } = {}): Promise<Readable | null> {
    if (!o.keyId) return this.driver.getObject(key, o.range);
    const info = await this.driver.stat(key);
    const dataKey = info && (await this.sealer.key(o.keyId));
    if (!info || !dataKey) return null;
    const plain = plainSize(info.size);
    if (plain === 0) return Readable.from([]);
    const range = o.range ?? { start: 0, end: plain - 1 };
    const head = await this.driver.getObject(key, { start: 0, end: MEDIA_HEADER_BYTES - 1 });
    if (!head) return null;
    const parts: Buffer[] = [];
    for await (const chunk of head as AsyncIterable<Buffer>) parts.push(chunk);
    const span = sealedRange(range, info.size);
    const body = await this.driver.getObject(key, { start: span.start, end: span.end });
    if (!body) return null;
    const opener = openingStream(dataKey, Buffer.concat(parts), {
      first: span.first,
      totalChunks: totalChunks(info.size),
      skip: range.start - span.first * MEDIA_CHUNK,
      length: range.end - range.start + 1,
    });
    return pipeline(body, opener, () => {});
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
    sealerFromEnv(env, driver, log),
    log,
  );
}
