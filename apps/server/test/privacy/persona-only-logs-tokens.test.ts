import { Writable } from 'node:stream';
import type { Database, JwtClaims } from '@ipelya/db';
import { Hono } from 'hono';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { AppEnv } from '../../src/http/context.ts';
import { authenticate, requestContext } from '../../src/http/middleware.ts';
import { claimsOf, signIn, startTestServer, switchTo, type TestServer } from '../harness.ts';

/**
 * Threat: logs and tokens as the link. An access log line naming the account next to paths of both personas'
 * conversations, a real-persona token carrying the shadow's id, or a token in the realtime URL (which proxies
 * log) ties the two personas together. Logs and tokens name the active persona only.
 */
describe('privacy: logs and tokens name the active persona only', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(() => server?.dispose());

  it('the access log carries the active persona id, never the account id', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const claims = {
      sub: '11111111-1111-4111-8111-111111111111',
      role: 'authenticated',
      persona: 'shadow',
      persona_id: '22222222-2222-4222-8222-222222222222',
      session_id: '33333333-3333-4333-8333-333333333333',
    } as JwtClaims;
    const db = {
      asUser: async (_c: unknown, fn: (tx: unknown) => unknown) =>
        fn({ query: async () => ({ rows: [{ ok: true }] }) }),
    };
    const app = new Hono<AppEnv>();
    app.use('*', requestContext(pino({ level: 'info' }, sink)));
    // A stand-in database that says the session is active.
    app.use(
      '*',
      authenticate(async () => claims, db as unknown as Database),
    );
    app.get('/api/conversations/:id', (c) => c.json({ ok: true }));
    const res = await app.request('/api/conversations/44444444-4444-4444-8444-444444444444', {
      headers: { authorization: 'Bearer x' },
    });
    expect(res.status).toBe(200);
    const log = lines.join('');
    expect(log).toContain(claims.persona_id);
    expect(log).not.toContain(claims.sub);
  });

  it('a real-persona token carries no shadow id; a shadow token names only the shadow', async () => {
    const u = await signIn(server);
    const real = claimsOf(u);
    expect(real.persona).toBe('real');
    expect(real).not.toHaveProperty('shadow_profile_id');
    await switchTo(u, 'shadow');
    const shadow = claimsOf(u);
    expect(shadow.persona).toBe('shadow');
    expect(shadow.shadow_profile_id).toBe(shadow.persona_id);
    expect(JSON.stringify(shadow)).not.toContain(real.persona_id!);
    expect(JSON.stringify(real)).not.toContain(shadow.persona_id!);
  });

  it('the realtime socket does not take a token from the URL', async () => {
    const u = await signIn(server);
    const ws = new WebSocket(
      `${server.url.replace(/^http/, 'ws')}/realtime/v1/websocket?access_token=${encodeURIComponent(u.accessToken())}`,
    );
    const got = await new Promise<{ code: number; messages: string[] }>((ok) => {
      const messages: string[] = [];
      ws.on('message', (m) => messages.push(m.toString()));
      ws.once('open', () => ws.send('ping'));
      ws.once('close', (code) => ok({ code, messages }));
    });
    expect(got).toEqual({ code: 4001, messages: [] });
  });
});
