import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type FileHandle, link, mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../errors.ts';
import {
  assertKey,
  type ByteRange,
  type ObjectInfo,
  type PutOptions,
  type StorageDriver,
} from './storage.driver.ts';

const isMissing = (err: unknown) => (err as { code?: string }).code === 'ENOENT';

/** Files under `<root>/<bucket>/<id>`: the embedded default. Signed URLs are served by this server. */
export class LocalFsDriver implements StorageDriver {
  readonly name = 'local' as const;

  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    assertKey(key);
    return join(this.root, key);
  }

  async putObject(key: string, body: Uint8Array | Readable, opts: PutOptions): Promise<{ size: number }> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    // Written beside the target and linked into place, so a reader never sees half a file and an over-size or
    // broken upload leaves nothing behind.
    const temp = join(dirname(target), `.part-${randomUUID()}`);
    let size = 0;
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > max)
          done(new DomainError('payload_too_large', 'payload_too_large', `upload exceeds ${max} bytes`));
        else done(null, chunk);
      },
    });
    try {
      const source = body instanceof Uint8Array ? Readable.from([Buffer.from(body)]) : body;
      await pipeline(source, counter, createWriteStream(temp, { flags: 'wx' }));
      if (opts.exclusive) {
        try {
          await link(temp, target);
        } catch (err) {
          if ((err as { code?: string }).code === 'EEXIST') {
            throw new DomainError('conflict', 'already_uploaded', 'this upload ticket has already been used');
          }
          throw err;
        }
      } else {
        await unlink(target).catch(() => {});
        await link(temp, target);
      }
      return { size };
    } finally {
      await unlink(temp).catch(() => {});
    }
  }

  async getObject(key: string, range?: ByteRange): Promise<Readable | null> {
    // Opened first so a concurrent delete cannot turn into a stream error halfway through a response.
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { size: s.size } : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async deleteObject(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((err) => {
      if (!isMissing(err)) throw err;
    });
  }
}
