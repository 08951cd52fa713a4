import type { Database, JwtClaims } from '@ipelya/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  claimsOf,
  postgresAvailable,
  signIn,
  startTestServer,
  type TestServer,
} from '../../test/harness.ts';
import { SessionGate } from './session-gate.ts';
import { cachedTokenVerifier, createTokenVerifier, signAccessToken } from './tokens.ts';

/** A stand-in database whose is_session_active answers from `live`, counting the queries. */
function fakeDb(live: Set<string>) {
  const stats = { queries: 0 };
  let gate: Promise<void> = Promise.resolve();
  const db = {
    asUser: async (claims: JwtClaims, fn: (tx: unknown) => Promise<boolean>) =>
      fn({
        query: async () => {
          stats.queries++;
          const ok = live.has(claims.session_id ?? ''); // the snapshot the query read
          await gate;
          return { rows: [{ ok }], rowCount: 1 };
        },
      }),
  } as unknown as Database;
  return { db, stats, hold: (p: Promise<void>) => (gate = p) };
}

const claimsFor = (sid: string, sub = 'u1'): JwtClaims => ({ sub, role: 'authenticated', session_id: sid });

describe('SessionGate (cache of the session check)', () => {
  it('reuses a positive answer for the TTL only: a session deleted elsewhere stops within ttlMs', async () => {
    const live = new Set(['s1']);
    const { db, stats } = fakeDb(live);
    let now = 1_000_000;
    const gate = new SessionGate(db, { ttlMs: 1000, maxEntries: 10, now: () => now });
    expect(await gate.isActive(claimsFor('s1'))).toBe(true);
    expect(await gate.isActive(claimsFor('s1'))).toBe(true);
    expect(stats.queries).toBe(1);
    live.delete('s1'); // another process revoked it and its notification never came
    now += 999;
    expect(await gate.isActive(claimsFor('s1'))).toBe(true); // still inside the bound
    now += 1;
    expect(await gate.isActive(claimsFor('s1'))).toBe(false); // the bound: ttlMs after the last check
    expect(await gate.isActive(claimsFor('s1'))).toBe(false); // negatives are never cached
    expect(stats.queries).toBe(3);
  });

  it('forget / forgetUser / a notification end a cached session at once', async () => {
    const live = new Set(['a', 'b', 'c']);
    const { db } = fakeDb(live);
    const gate = new SessionGate(db, { ttlMs: 60_000, maxEntries: 10 });
    for (const s of ['a', 'b']) expect(await gate.isActive(claimsFor(s))).toBe(true);
    expect(await gate.isActive(claimsFor('c', 'u2'))).toBe(true);
    live.clear();
    gate.forget(['a']);
    expect(await gate.isActive(claimsFor('a'))).toBe(false);
    expect(await gate.isActive(claimsFor('b'))).toBe(true); // not told yet, inside its TTL
    gate.forgetUser('u1');
    expect(await gate.isActive(claimsFor('b'))).toBe(false);
    expect(await gate.isActive(claimsFor('c', 'u2'))).toBe(true);
    gate.onNotification('["c"]');
    expect(await gate.isActive(claimsFor('c', 'u2'))).toBe(false);
    live.add('d');
    expect(await gate.isActive(claimsFor('d'))).toBe(true);
    gate.onNotification('*');
    live.clear();
    expect(await gate.isActive(claimsFor('d'))).toBe(false);
    live.add('e');
    expect(await gate.isActive(claimsFor('e'))).toBe(true);
    gate.onNotification('not json');
    live.clear();
    expect(await gate.isActive(claimsFor('e'))).toBe(false);
  });

  it('does not store an answer that raced a revocation', async () => {
    const live = new Set(['s']);
    const { db, hold } = fakeDb(live);
    const gate = new SessionGate(db, { ttlMs: 60_000, maxEntries: 10 });
    let release!: () => void;
    hold(new Promise<void>((r) => (release = r)));
    const before = gate.isActive(claimsFor('s')); // read "alive" before the logout committed…
    gate.forget(['s']); // …the logout lands while that answer is in flight
    live.delete('s');
    release();
    expect(await before).toBe(true); // that request started before the logout
    expect(await gate.isActive(claimsFor('s'))).toBe(false); // nothing after it reuses its answer
  });

  it('shares one lookup between concurrent requests of a session', async () => {
    const { db, stats } = fakeDb(new Set(['s']));
    const gate = new SessionGate(db, { ttlMs: 1000, maxEntries: 10 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => gate.isActive(claimsFor('s'))));
    expect(answers.every(Boolean)).toBe(true);
    expect(stats.queries).toBe(1);
  });

  it('is bounded: least recently used sessions are dropped past maxEntries', async () => {
    const live = new Set(['s1', 's2', 's3', 's4']);
    const { db, stats } = fakeDb(live);
    const gate = new SessionGate(db, { ttlMs: 60_000, maxEntries: 3 });
    for (const s of ['s1', 's2', 's3']) await gate.isActive(claimsFor(s));
    await gate.isActive(claimsFor('s1')); // s1 is now the most recent; s2 the least
    await gate.isActive(claimsFor('s4'));
    expect(gate.size).toBe(3);
    const q = stats.queries;
    await gate.isActive(claimsFor('s1'));
    await gate.isActive(claimsFor('s3'));
    await gate.isActive(claimsFor('s4'));
    expect(stats.queries).toBe(q); // still cached
    await gate.isActive(claimsFor('s2'));
    expect(stats.queries).toBe(q + 1); // evicted, asked again
    expect(gate.size).toBe(3);
  });

  it('never passes a token without a session, nor a cached session under another subject', async () => {
    const { db, stats } = fakeDb(new Set(['s']));
    const gate = new SessionGate(db, { ttlMs: 60_000, maxEntries: 10 });
    expect(await gate.isActive({ sub: 'u1', role: 'authenticated' })).toBe(false);
    expect(await gate.isActive(claimsFor('s', 'u1'))).toBe(true);
    await gate.isActive(claimsFor('s', 'u2'));
    expect(stats.queries).toBe(2); // the cached entry is u1's: u2 is asked for
  });
});

describe('cachedTokenVerifier', () => {
  const secret = 'x'.repeat(40);
  it('verifies a token once for its lifetime, bounded, and never caches failures or past exp', async () => {
    const inner = createTokenVerifier({ secret });
    let calls = 0;
    const counting = async (t: string) => {
      calls++;
      return inner(t);
    };
    const now = Date.now();
    const verify = cachedTokenVerifier(counting, { maxEntries: 2, now: () => now });
    const mint = (sub: string, ttl = 60) =>
      signAccessToken(
        secret,
        'test',
        { sub, role: 'authenticated', session_id: crypto.randomUUID() },
        ttl,
      ).then((r) => r.token);
    const [a, b, c] = [await mint('a'), await mint('b'), await mint('c')];
    const first = await verify(a);
    first.sub = 'tampered'; // a handler changing its copy changes nothing for the next request
    expect((await verify(a)).sub).toBe('a');
    expect(calls).toBe(1);
    await verify(b);
    await verify(c); // a is the least recently used: dropped
    expect(verify.size).toBe(2);
    await verify(a);
    expect(calls).toBe(4);
    // Failures are not remembered: each bad token is checked (and refused) again.
    await expect(verify(`${a}x`)).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(verify(`${a}x`)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(calls).toBe(6);
  });

  it('a cached token stops at its exp: verified again, and refused as expired', async () => {
    const inner = createTokenVerifier({ secret });
    let calls = 0;
    const verify = cachedTokenVerifier(
      async (t) => {
        calls++;
        return inner(t);
      },
      { maxEntries: 10 },
    );
    const { token, expiresAt } = await signAccessToken(
      secret,
      'test',
      { sub: 'a', role: 'authenticated', session_id: crypto.randomUUID() },
      2,
    );
    await verify(token);
    await verify(token);
    expect(calls).toBe(1);
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt * 1000 - Date.now()) + 20));
    await expect(verify(token)).rejects.toMatchObject({ code: 'token_expired' });
    expect(calls).toBe(2);
  });
});

describe('revocation through the real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A long TTL: only immediate invalidation can make these pass, never the cache expiring by itself.
    server = await startTestServer('pglite', { SESSION_CACHE_TTL_MS: '5000' });
  });
  afterAll(() => server?.dispose());

  it('a signed-out token fails on the very next request (same process)', async () => {
    const u = await signIn(server);
    const token = u.accessToken();
    expect((await call(server, 'GET', '/api/me', token)).status).toBe(200);
    expect((await call(server, 'GET', '/api/me', token)).status).toBe(200); // now cached
    const { error } = await u.supabase.auth.signOut();
    expect(error).toBeNull();
    const after = await call(server, 'GET', '/api/me', token);
    expect(after.status).toBe(401);
    expect(after.json.error.code).toBe('session_revoked');
  });

  it('a session revoked from another device fails on the next request', async () => {
    const email = `gate.${Date.now()}@example.com`;
    const phone = await signIn(server, email);
    const laptop = await signIn(server, email);
    expect((await call(server, 'GET', '/api/me', laptop.accessToken())).status).toBe(200);
    const sid = claimsOf(laptop).session_id!;
    expect((await call(server, 'DELETE', `/api/sessions/${sid}`, phone.accessToken())).status).toBe(204);
    expect((await call(server, 'GET', '/api/me', laptop.accessToken())).json.error.code).toBe(
      'session_revoked',
    );
    expect((await call(server, 'GET', '/api/me', phone.accessToken())).status).toBe(200);
  });

  it('a session deleted in SQL behind the server’s back stops within the notification, not the TTL', async () => {
    const u = await signIn(server);
    const token = u.accessToken();
    expect((await call(server, 'GET', '/api/me', token)).status).toBe(200);
    const started = Date.now();
    await server.db.driver.query('delete from auth.sessions where id = $1', [claimsOf(u).session_id]);
    let status = 200;
    while (status === 200 && Date.now() - started < 2000) {
      status = (await call(server, 'GET', '/api/me', token)).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(1000); // the TTL is 5 s: the NOTIFY did it
  });
});

describe.runIf(postgresAvailable())('revocation across processes (PostgreSQL)', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer('postgres', { SESSION_CACHE_TTL_MS: '5000' });
    b = await startTestServer('postgres', { SESSION_CACHE_TTL_MS: '5000' }, { url: dbUrlOf(a) });
  });
  afterAll(async () => {
    await b?.dispose();
    await a?.dispose();
  });

  it('logout on one server: the other refuses the token within 500 ms', async () => {
    const u = await signIn(a);
    const token = u.accessToken();
    expect((await call(b, 'GET', '/api/me', token)).status).toBe(200);
    expect((await call(b, 'GET', '/api/me', token)).status).toBe(200); // cached on b
    const { error } = await u.supabase.auth.signOut(); // handled by a
    expect(error).toBeNull();
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 6000)
      status = (await call(b, 'GET', '/api/me', token)).status;
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

function dbUrlOf(s: TestServer): string {
  const url = s.env.DATABASE_URL;
  if (!url) throw new Error('not a PostgreSQL server');
  return url;
}
