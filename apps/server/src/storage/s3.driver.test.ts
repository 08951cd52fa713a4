import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signIn, startTestServer, type TestServer } from '../../test/harness.ts';
import { testEnv } from '../env.ts';
import { S3Driver, s3ConfigFromEnv } from './s3.driver.ts';

const DUMMY = {
  STORAGE_DRIVER: 's3',
  S3_ENDPOINT: 'https://0123456789abcdef.r2.cloudflarestorage.com',
  S3_REGION: 'auto',
  S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  S3_BUCKET: 'ipelya-media',
};

function expectSigV4(url: URL, expires: number) {
  const q = url.searchParams;
  expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
  expect(q.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/auto\/s3\/aws4_request$/);
  expect(q.get('X-Amz-Date')).toMatch(/^\d{8}T\d{6}Z$/);
  expect(q.get('X-Amz-Expires')).toBe(String(expires));
  expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  // A checksum of an empty body in the URL would make R2 and Supabase reject the real upload.
  expect([...q.keys()].some((k) => k.toLowerCase().startsWith('x-amz-checksum'))).toBe(false);
}

describe('S3Driver contract', () => {
  const driver = S3Driver.fromEnv(testEnv(DUMMY));

  it('presigns a PUT on the custom endpoint with type and length signed', async () => {
    const url = new URL(
      await driver.presignPut('creator-media/6f1c1c9e-3c1e-4a55-9d0e-7d1a0a1b2c3d', {
        contentType: 'image/png',
        size: 1234,
        expiresInSeconds: 600,
      }),
    );
    expect(url.origin).toBe(DUMMY.S3_ENDPOINT);
    expect(url.pathname).toBe('/ipelya-media/creator-media/6f1c1c9e-3c1e-4a55-9d0e-7d1a0a1b2c3d');
    expectSigV4(url, 600);
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(
      expect.arrayContaining(['content-length', 'content-type', 'host']),
    );
  });

  it('presigns a GET that answers with the stored type and no caching', async () => {
    const url = new URL(
      await driver.presignGet('asmr/6f1c1c9e-3c1e-4a55-9d0e-7d1a0a1b2c3d', {
        contentType: 'audio/mpeg',
        expiresInSeconds: 300,
      }),
    );
    expect(url.origin).toBe(DUMMY.S3_ENDPOINT);
    expectSigV4(url, 300);
    expect(url.searchParams.get('response-content-type')).toBe('audio/mpeg');
    expect(url.searchParams.get('response-cache-control')).toBe('private, no-store');
  });

  it('refuses keys it did not generate', async () => {
    await expect(
      driver.presignGet('../etc/passwd', { contentType: 'image/png', expiresInSeconds: 60 }),
    ).rejects.toThrow(/invalid object key/);
  });

  it('names what is missing with a clear "storage is not configured" error', () => {
    const env = testEnv({ STORAGE_DRIVER: 's3', S3_ENDPOINT: DUMMY.S3_ENDPOINT, S3_BUCKET: 'b' });
    expect(s3ConfigFromEnv(env)).toEqual({ missing: ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] });
    expect(() => S3Driver.fromEnv(env)).toThrow(
      /^storage is not configured: STORAGE_DRIVER=s3 needs S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY$/,
    );
  });
});

describe('server with STORAGE_DRIVER=s3', () => {
  let configured: TestServer;
  let missing: TestServer;
  beforeAll(async () => {
    [configured, missing] = await Promise.all([
      startTestServer('pglite', DUMMY),
      startTestServer('pglite', { STORAGE_DRIVER: 's3', S3_BUCKET: 'ipelya-media' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([configured?.dispose(), missing?.dispose()]);
  });

  it('hands out presigned upload URLs (no bytes pass through the API)', async () => {
    const u = await signIn(configured);
    const ticket = await u.api.createUpload({
      bucket: 'creator-media',
      content_type: 'image/png',
      size: 2048,
    });
    const url = new URL(ticket.upload_url);
    expect(url.origin).toBe(DUMMY.S3_ENDPOINT);
    expect(url.pathname).toMatch(/^\/ipelya-media\/creator-media\/[0-9a-f-]{36}$/);
    expect(url.pathname).not.toContain(u.userId);
    expectSigV4(url, 600);
  });

  it('boots without keys and answers 503 storage_not_configured instead of crashing', async () => {
    const u = await signIn(missing);
    const res = await call(missing, 'POST', '/api/storage/uploads', u.accessToken(), {
      bucket: 'creator-media',
      content_type: 'image/png',
      size: 100,
    });
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('storage_not_configured');
    expect(res.json.error.message).toMatch(/^storage is not configured: .*S3_ACCESS_KEY_ID/);
    const { rows } = await missing.db.driver.query<{ n: number }>(
      'select count(*)::int as n from public.media_objects',
    );
    expect(rows[0]!.n).toBe(0);
  });
});
