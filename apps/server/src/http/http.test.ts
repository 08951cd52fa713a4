import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signIn, startTestServer, type TestServer } from '../../test/harness.ts';
import { createTokenVerifier } from '../auth/tokens.ts';

describe('HTTP gateway', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { BODY_LIMIT_BYTES: '2048', WRITE_RATE_PER_MINUTE: '5' });
  });
  afterAll(() => server?.dispose());

  it('publishes the OpenAPI document and an offline docs page', async () => {
    const doc = await call(server, 'GET', '/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    for (const path of [
      '/me',
      '/posts',
      '/feed',
      '/follows/{id}',
      '/reports',
      '/storage/uploads',
      '/sessions',
      '/personas/switch',
    ]) {
      expect(Object.keys(doc.json.paths)).toContain(path);
    }
    const docs = await call(server, 'GET', '/docs');
    expect(docs.text).toContain('/docs/assets/swagger-ui-bundle.js');
    const asset = await fetch(`${server.url}/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(100_000);
  });

  it('answers one error shape with a request id, for unknown routes too', async () => {
    const r = await call(server, 'GET', '/api/nope');
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ code: 'not_found' });
    expect(r.json.error.request_id).toMatch(/[\w-]{8,}/);
  });

  it('refuses bodies over the limit without touching the database', async () => {
    const u = await signIn(server);
    const r = await call(server, 'PATCH', '/api/profiles/me', u.accessToken(), { bio: 'x'.repeat(4000) });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('payload_too_large');
    expect((await u.api.me()).real_profile!.bio).toBe('');
  });

  it('rate-limits writes per user', async () => {
    const u = await signIn(server);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await call(server, 'PATCH', '/api/profiles/me', u.accessToken(), { bio: `b${i}` })).status,
      );
    expect(statuses.slice(0, 5).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });
});

describe('verifying Supabase Auth tokens (production mode)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let jwksUrl = '';
  let close: () => void;
  beforeAll(async () => {
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const srv = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/auth/v1/.well-known/jwks.json`;
    close = () => srv.close();
  });
  afterAll(() => close?.());

  const sign = (claims: Record<string, unknown>, exp = '1h') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(privateKey);

  it('accepts ES256 tokens from the project JWKS and refuses the rest', async () => {
    const verify = createTokenVerifier({ jwksUrl });
    const claims = await verify(await sign({ sub: 'u1', role: 'authenticated', persona: 'shadow' }));
    expect(claims).toMatchObject({ sub: 'u1', persona: 'shadow' });
    await expect(verify(await sign({ sub: 'u1', role: 'authenticated' }, '-1m'))).rejects.toMatchObject({
      code: 'token_expired',
    });
    await expect(verify(await sign({ sub: 'u1', role: 'service_role' }))).rejects.toMatchObject({
      code: 'invalid_token',
    });
    const { privateKey: other } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = await new SignJWT({ sub: 'u1', role: 'authenticated' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('1h')
      .sign(other);
    await expect(verify(forged)).rejects.toMatchObject({ code: 'invalid_token' });
    // No shared secret configured: an HS256 token (say, signed with the public demo secret) is refused.
    const hs = await new SignJWT({ sub: 'u1', role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('super-secret-jwt-token-with-at-least-32-characters-long'));
    await expect(verify(hs)).rejects.toMatchObject({ code: 'invalid_token' });
  });
});
