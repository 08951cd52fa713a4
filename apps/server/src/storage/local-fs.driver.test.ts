import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalFsDriver } from './local-fs.driver.ts';
import { parseRange } from './storage.routes.ts';

const read = async (s: Readable | null) => {
  const chunks: Buffer[] = [];
  for await (const c of s!) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
};

describe('LocalFsDriver', () => {
  const root = mkdtempSync(join(tmpdir(), 'ipelya-fs-'));
  const driver = new LocalFsDriver(root);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('puts, stats, reads ranges and deletes', async () => {
    await driver.putObject('asmr/abc', Buffer.from('hello world'), { contentType: 'audio/mpeg' });
    expect(await driver.stat('asmr/abc')).toEqual({ size: 11 });
    expect(await read(await driver.getObject('asmr/abc', { start: 6, end: 10 }))).toBe('world');
    await driver.deleteObject('asmr/abc');
    await driver.deleteObject('asmr/abc');
    expect(await driver.exists('asmr/abc')).toBe(false);
    expect(await driver.getObject('asmr/abc')).toBeNull();
  });

  it('stops a stream at the byte cap and leaves no partial file', async () => {
    const body = Readable.from([Buffer.alloc(10), Buffer.alloc(10)]);
    await expect(
      driver.putObject('asmr/big', body, { contentType: 'audio/mpeg', maxBytes: 15 }),
    ).rejects.toMatchObject({
      kind: 'payload_too_large',
    });
    expect(readdirSync(join(root, 'asmr')).filter((f) => f !== 'abc')).toEqual([]);
  });

  it('writes an exclusive key once', async () => {
    await driver.putObject('asmr/once', Buffer.from('a'), { contentType: 'audio/mpeg', exclusive: true });
    await expect(
      driver.putObject('asmr/once', Buffer.from('b'), { contentType: 'audio/mpeg', exclusive: true }),
    ).rejects.toMatchObject({
      kind: 'conflict',
    });
    expect(await read(await driver.getObject('asmr/once'))).toBe('a');
  });

  it('refuses keys that could leave its directory', async () => {
    for (const key of ['../x', 'asmr/../../x', '/etc/passwd', 'asmr/a/b', 'asmr/.part-x']) {
      await expect(driver.stat(key)).rejects.toThrow(/invalid object key/);
    }
  });
});

describe('parseRange', () => {
  it('reads single ranges and ignores what it cannot serve', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('bytes=100-', 100)).toBeNull();
    expect(parseRange('bytes=9-3', 100)).toBeNull();
  });
});
