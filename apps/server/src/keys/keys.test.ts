import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv } from '../env.ts';
import { LocalFsDriver } from '../storage/local-fs.driver.ts';
import { Storage } from '../storage/storage.ts';
import { TicketSigner } from '../storage/storage-tickets.ts';
import { LocalKeyDirectory } from './key-provider.ts';
import { AwsKmsKeyProvider } from './kms.key-provider.ts';
import { MEDIA_CHUNK, openText, plainSize, sealedSize, sealingStream, sealText } from './sealed-box.ts';
import { Sealer, sealerFromEnv } from './sealer.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ipelya-keys-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const WINDOW = 'w-1764547200';
const OBJECT = 'k-6f1c1c9e-3c1e-4a55-9d0e-7d1a0a1b2c3d';

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

describe('sealed boxes', () => {
  const key = randomBytes(32);

  it('texts open only with their key and their binding', () => {
    const box = sealText(key, 'merhaba dünya', 'conv-a');
    expect(box.includes(Buffer.from('merhaba'))).toBe(false);
    expect(openText(key, box, 'conv-a')).toBe('merhaba dünya');
    expect(openText(key, box, 'conv-b')).toBeNull();
    expect(openText(randomBytes(32), box, 'conv-a')).toBeNull();
    const tampered = Buffer.from(box);
    tampered[tampered.length - 1]! ^= 1;
    expect(openText(key, tampered, 'conv-a')).toBeNull();
  });

  it('media seals in chunks; any range decrypts; sizes invert; truncation fails', async () => {
    const dir = tempDir();
    const driver = new LocalFsDriver(dir);
    const sealer = new Sealer(new LocalKeyDirectory(join(dir, 'keys')));
    const storage = new Storage(
      driver,
      new TicketSigner('x'.repeat(32)),
      { publicUrl: 'http://localhost', urlTtlSeconds: 60 },
      sealer,
    );
    const dataKey = (await sealer.key(OBJECT, true))!;
    for (const size of [0, 1, MEDIA_CHUNK - 1, MEDIA_CHUNK, MEDIA_CHUNK + 1, 3 * MEDIA_CHUNK + 17]) {
      const plain = randomBytes(size);
      const objectKey = `creator-media/s${size}`;
      const { size: stored } = await driver.putObject(
        objectKey,
        Readable.from([plain]).pipe(sealingStream(dataKey)),
        { contentType: 'application/octet-stream' },
      );
      expect(stored).toBe(sealedSize(size));
      expect(plainSize(stored)).toBe(size);
      expect((await collect((await storage.read(objectKey, { keyId: OBJECT }))!)).equals(plain)).toBe(true);
      if (size > 2) {
        for (const [start, end] of [
          [1, size - 2],
          [size - 1, size - 1],
          [Math.floor(size / 2), size - 1],
        ] as const) {
          const part = await collect(
            (await storage.read(objectKey, { keyId: OBJECT, range: { start, end } }))!,
          );
          expect(part.equals(plain.subarray(start, end + 1)), `${size} ${start}-${end}`).toBe(true);
        }
      }
    }
    // A truncated object (last chunk cut off) fails instead of serving a shorter file.
    const plain = randomBytes(2 * MEDIA_CHUNK + 5);
    const sealed = await collect(Readable.from([plain]).pipe(sealingStream(dataKey)));
    await driver.putObject('creator-media/cut', sealed.subarray(0, 12 + MEDIA_CHUNK + 16), {
      contentType: 'application/octet-stream',
    });
    await expect(collect((await storage.read('creator-media/cut', { keyId: OBJECT }))!)).rejects.toThrow();
    // Over the cap: the stream fails with payload_too_large.
    await expect(collect(Readable.from([randomBytes(100)]).pipe(sealingStream(dataKey, 99)))).rejects.toThrow(
      /exceeds 99 bytes/,
    );
  });
});

describe('LocalKeyDirectory', () => {
  it('creates once (concurrent creators converge), reads back, destroys by overwrite and unlink', async () => {
    const dir = tempDir();
    const keys = new LocalKeyDirectory(dir);
    expect(await keys.get(WINDOW)).toBeNull();
    const made = await Promise.all([1, 2, 3, 4].map(() => keys.get(WINDOW, { create: true })));
    for (const k of made) expect(k!.equals(made[0]!)).toBe(true);
    const file = join(dir, `${WINDOW}.key`);
    expect(readFileSync(file).equals(made[0]!)).toBe(true);
    await keys.destroy(WINDOW);
    expect(existsSync(file)).toBe(false);
    expect(await keys.get(WINDOW)).toBeNull();
    await keys.destroy(WINDOW); // idempotent
    await expect(keys.get('../../etc/passwd')).rejects.toThrow(/invalid sealing key id/);
  });
});

/**
 * AWS KMS, with the SDK's HTTP layer stubbed by a small KMS: requests and responses are the JSON documented for
 * GenerateDataKey and Decrypt (awsJson1_1, X-Amz-Target TrentService.*), blobs base64 in JSON.
 */
function fakeKms() {
  const issued = new Map<string, { plain: Buffer; context: string }>();
  const calls: { target: string; body: Record<string, unknown>; headers: Record<string, string> }[] = [];
  const reply = (status: number, body: unknown) => ({
    response: {
      statusCode: status,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' },
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
    },
  });
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    destroy() {},
    async handle(request: { headers: Record<string, string>; body: string | Uint8Array }) {
      const target = request.headers['x-amz-target']!;
      const raw =
        typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
      const body = JSON.parse(raw) as Record<string, unknown>;
      calls.push({ target, body, headers: request.headers });
      const context = JSON.stringify(body.EncryptionContext ?? {});
      if (target === 'TrentService.GenerateDataKey') {
        const plain = randomBytes(32);
        const blob = randomBytes(64).toString('base64');
        issued.set(blob, { plain, context });
        return reply(200, {
          CiphertextBlob: blob,
          KeyId: 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          Plaintext: plain.toString('base64'),
        });
      }
      if (target === 'TrentService.Decrypt') {
        const hit = issued.get(body.CiphertextBlob as string);
        // KMS refuses a blob under another encryption context exactly like an unknown one.
        if (!hit || hit.context !== context)
          return reply(400, { __type: 'InvalidCiphertextException', message: 'invalid ciphertext' });
        return reply(200, {
          KeyId: 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          Plaintext: hit.plain.toString('base64'),
          EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        });
      }
      return reply(400, { __type: 'UnsupportedOperationException', message: target });
    },
  };
  return { handler, calls };
}

describe('AwsKmsKeyProvider contract', () => {
  it('generates data keys under the master key, keeps them only wrapped, unwraps them, shreds them', async () => {
    const kms = fakeKms();
    const store = new LocalFsDriver(tempDir());
    const make = () =>
      AwsKmsKeyProvider.fromConfig({
        masterKeyId: 'alias/ipelya-sealing',
        region: 'eu-central-1',
        store,
        credentials: {
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        },
        requestHandler: kms.handler as never,
      });
    const provider = make();
    expect(await provider.get(WINDOW)).toBeNull();
    const key = (await provider.get(WINDOW, { create: true }))!;
    expect(key).toHaveLength(32);

    const generate = kms.calls.find((c) => c.target === 'TrentService.GenerateDataKey')!;
    expect(generate.body).toEqual({
      KeyId: 'alias/ipelya-sealing',
      KeySpec: 'AES_256',
      EncryptionContext: { purpose: 'ipelya-sealing-key', key_id: WINDOW },
    });
    expect(generate.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(generate.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/kms\/aws4_request/,
    );

    // Only the wrapped key is stored; a second process unwraps it through KMS Decrypt.
    const wrapped = await collect((await store.getObject(`sealing-keys/${WINDOW}`))!);
    expect(wrapped.includes(key)).toBe(false);
    const again = await make().get(WINDOW);
    expect(again!.equals(key)).toBe(true);
    const decrypt = kms.calls.find((c) => c.target === 'TrentService.Decrypt')!;
    expect(decrypt.body).toMatchObject({
      KeyId: 'alias/ipelya-sealing',
      EncryptionContext: { purpose: 'ipelya-sealing-key', key_id: WINDOW },
    });

    // A wrapped key moved under another id does not unwrap (the context names the id).
    await store.putObject(`sealing-keys/${OBJECT}`, wrapped, { contentType: 'application/octet-stream' });
    await expect(provider.get(OBJECT)).rejects.toThrow(/invalid ciphertext/);

    await provider.destroy(WINDOW);
    expect(await store.exists(`sealing-keys/${WINDOW}`)).toBe(false);
    expect(await make().get(WINDOW)).toBeNull();
  });
});

describe('key provider configuration', () => {
  const log = pino({ level: 'silent' });
  const driver = new LocalFsDriver(tempDir());

  it('local by default; production requires aws-kms with a master key, naming the variable', () => {
    expect(sealerFromEnv(testEnv({ DATA_DIR: tempDir() }), driver, log).provider.name).toBe('local');
    expect(() =>
      // loadEnv refuses this in production already; the sealer still guards a hand-built env.
      sealerFromEnv({ ...testEnv(), profile: 'production' }, driver, log),
    ).toThrow(/KEY_PROVIDER=aws-kms .* is required in production/);
    expect(() => sealerFromEnv(testEnv({ KEY_PROVIDER: 'aws-kms' }), driver, log)).toThrow(
      /KMS_KEY_ID is required with KEY_PROVIDER=aws-kms/,
    );
    const kms = sealerFromEnv(
      { ...testEnv({ KEY_PROVIDER: 'aws-kms', KMS_KEY_ID: 'alias/k' }), profile: 'production' },
      driver,
      log,
    );
    expect(kms.provider.name).toBe('aws-kms');
  });
});
