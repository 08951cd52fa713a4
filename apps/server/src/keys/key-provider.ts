import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where the data keys of sealed (no-trace) content live: never in the database, so destroying a key makes
 * every copy of what it sealed unreadable — heap pages, WAL, backups, replicas, object versions (decision 015).
 *
 * Key ids: `w-<unix seconds>` is the key of one expiry window (timed messages whose expires_at falls in that
 * hour); `k-<uuid>` is the key of one object (a view-once or read-timer message body, one sealed media file).
 */
export interface KeyProvider {
  readonly name: 'local' | 'aws-kms';
  /** The 32-byte data key `id`; created first when `create` and absent. Null when it does not exist. */
  get(id: string, opts?: { create?: boolean }): Promise<Buffer | null>;
  /** Destroys key `id` wherever this provider keeps it. Destroying a missing key is not an error. */
  destroy(id: string): Promise<void>;
}

const KEY_ID = /^(w-\d{1,12}|k-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Key ids are made by the server; anything else is a bug or an attack (paths are built from them). */
export function assertKeyId(id: string): void {
  if (!KEY_ID.test(id)) throw new Error(`invalid sealing key id ${JSON.stringify(id)}`);
}

const code = (err: unknown) => (err as { code?: string }).code;

/**
 * The embedded default: one file of 32 random bytes per key in a directory (DATA_DIR/keys). Destroying
 * overwrites the file with random bytes, flushes it to disk and unlinks it.
 */
export class LocalKeyDirectory implements KeyProvider {
  readonly name = 'local' as const;
  private ready: Promise<unknown> | null = null;

  constructor(readonly dir: string) {}

  private path(id: string) {
    assertKeyId(id);
    return join(this.dir, `${id}.key`);
  }

  async get(id: string, opts: { create?: boolean } = {}): Promise<Buffer | null> {
    const file = this.path(id);
    try {
      return await readFile(file);
    } catch (err) {
      if (code(err) !== 'ENOENT' || !opts.create) {
        if (code(err) === 'ENOENT') return null;
        throw err;
      }
    }
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.ready;
    const key = randomBytes(32);
    try {
      // wx: two processes creating the same window key converge on the first one written.
      await writeFile(file, key, { flag: 'wx', mode: 0o600, flush: true });
      return key;
    } catch (err) {
      if (code(err) === 'EEXIST') return readFile(file);
      throw err;
    }
  }

  async destroy(id: string): Promise<void> {
    const file = this.path(id);
    try {
      const handle = await open(file, 'r+');
      try {
        const { size } = await handle.stat();
        await handle.write(randomBytes(Math.max(size, 32)), 0, Math.max(size, 32), 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await unlink(file);
    } catch (err) {
      if (code(err) !== 'ENOENT') throw err;
    }
  }
}
