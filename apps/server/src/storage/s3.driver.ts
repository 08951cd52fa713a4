import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Env } from '../env.ts';
import { DomainError } from '../errors.ts';
import {
  assertKey,
  type ByteRange,
  notConfigured,
  type ObjectInfo,
  type PutOptions,
  type StorageDriver,
} from './storage.driver.ts';

export type S3Config = {
  /** Absent means AWS itself; set for Supabase Storage (…/storage/v1/s3) or Cloudflare R2. */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
};

/** The S3 settings, or the names of the missing ones. */
export function s3ConfigFromEnv(env: Env): S3Config | { missing: string[] } {
  const missing = (['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_BUCKET'] as const).filter((k) => !env[k]);
  if (missing.length) return { missing };
  return {
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    accessKeyId: env.S3_ACCESS_KEY_ID!,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
    bucket: env.S3_BUCKET!,
  };
}

const isMissing = (err: unknown) =>
  err instanceof S3ServiceException &&
  (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404);

/** One S3 bucket holds every app bucket as a key prefix (`creator-media/<id>` …). */
export class S3Driver implements StorageDriver {
  readonly name = 's3' as const;
  readonly client: S3Client;

  constructor(readonly config: S3Config) {
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      // Path-style works on AWS, R2 and Supabase alike; virtual hosts need DNS per bucket.
      forcePathStyle: true,
      // Otherwise presigned PUTs carry a checksum of an empty body, which R2 and Supabase reject.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Throws the "storage is not configured" error naming what is missing. */
  static fromEnv(env: Env): S3Driver {
    const config = s3ConfigFromEnv(env);
    if ('missing' in config) throw notConfigured(config.missing);
    return new S3Driver(config);
  }

  async putObject(key: string, body: Uint8Array | Readable, opts: PutOptions): Promise<{ size: number }> {
    assertKey(key);
    const length = body instanceof Uint8Array ? body.byteLength : opts.contentLength;
    if (length === undefined) throw new Error('S3Driver.putObject needs contentLength for a stream body');
    if (opts.maxBytes !== undefined && length > opts.maxBytes) {
      throw new DomainError(
        'payload_too_large',
        'payload_too_large',
        `upload exceeds ${opts.maxBytes} bytes`,
      );
    }
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.config.bucket,
        Key: key,
        Body: body,
        ContentType: opts.contentType,
        ContentLength: length,
        ...(opts.exclusive ? { IfNoneMatch: '*' } : {}),
      }),
    );
    return { size: length };
  }

  async getObject(key: string, range?: ByteRange): Promise<Readable | null> {
    assertKey(key);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.config.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      const body = out.Body;
      if (!body) return null;
      return body instanceof Readable ? body : Readable.fromWeb(body.transformToWebStream() as never);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    assertKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key }));
      return { size: Number(out.ContentLength ?? 0) };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async deleteObject(key: string): Promise<void> {
    assertKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: key }));
  }

  /** Type and exact length are signed, so the backend refuses any other body. */
  async presignPut(
    key: string,
    opts: { contentType: string; size: number; expiresInSeconds: number },
  ): Promise<string> {
    assertKey(key);
    const cmd = new PutObjectCommand({
      Bucket: this.config.bucket,
      Key: key,
      ContentType: opts.contentType,
      ContentLength: opts.size,
    });
    return getSignedUrl(this.client, cmd, {
      expiresIn: opts.expiresInSeconds,
      signableHeaders: new Set(['content-type', 'content-length']),
    });
  }

  async presignGet(key: string, opts: { contentType: string; expiresInSeconds: number }): Promise<string> {
    assertKey(key);
    const cmd = new GetObjectCommand({
      Bucket: this.config.bucket,
      Key: key,
      ResponseContentType: opts.contentType,
      ResponseCacheControl: 'private, no-store',
    });
    return getSignedUrl(this.client, cmd, { expiresIn: opts.expiresInSeconds });
  }
}
