import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
  uniqueEmail,
} from '../../test/harness.ts';
import { AUTH_BODY_LIMIT_BYTES } from '../auth/auth.routes.ts';
import { fromPgError } from '../errors.ts';

const raw = (
  server: TestServer,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) =>
  fetch(server.url + path, { method, headers, body }).then(async (r) => ({
    status: r.status,
    headers: r.headers,
    // biome-ignore lint/suspicious/noExplicitAny: error bodies
    json: (await r.json().catch(() => null)) as any,
  }));

/** Sends headers and the first part of a body, then waits: the server must answer before the rest arrives. */
async function streamPartly(server: TestServer, path: string, headers: string[], firstChunk: Buffer) {
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  let answer = '';
  socket.on('data', (d) => {
    answer += d.toString('latin1');
  });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.join('\r\n')}\r\n\r\n`);
  socket.write(firstChunk);
  await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
  const ended = socket.destroyed || socket.readableEnded;
  socket.destroy();
  return { answer, ended };
}

describe('bad input gets a clear 4xx', () => {
  let server: TestServer;
  let u: TestUser;
  beforeAll(async () => {
    server = await startTestServer('pglite', { OTP_MAX_PER_IDENTIFIER_PER_HOUR: '2' });
    u = await signIn(server);
  });
  afterAll(() => server?.dispose());
  const auth = () => ({ authorization: `Bearer ${u.accessToken()}` });

  it('malformed JSON, an empty body and a wrong or missing content type: 400 / 415, anonymous too', async () => {
    for (const headers of [{} as Record<string, string>, auth()]) {
      const bad = await raw(server, 'POST', '/api/reports', '{"x":', {
        ...headers,
        'content-type': 'application/json',
      });
      expect(bad.status).toBe(400);
      expect(bad.json.error.code).toBe('invalid_json');
      expect(bad.json.error.request_id).toBeTruthy();
      const empty = await raw(server, 'PATCH', '/api/profiles/me', '', {
        ...headers,
        'content-type': 'application/json',
      });
      expect(empty.status).toBe(400);
      expect(empty.json.error.code).toBe('invalid_json');
      const text = await raw(server, 'PATCH', '/api/profiles/me', '{"bio":"x"}', {
        ...headers,
        'content-type': 'text/plain',
      });
      expect(text.status).toBe(415);
      expect(text.json.error.code).toBe('unsupported_media_type');
      const none = await raw(server, 'PATCH', '/api/profiles/me', '{"bio":"x"}', headers);
      expect([400, 415]).toContain(none.status);
    }
  });

  it('a NUL in any string is a 400 naming the field, in bodies, queries and paths, on every kind of route', async () => {
    const name = await call(server, 'PATCH', '/api/profiles/me', u.accessToken(), {
      display_name: 'a\u0000b',
    });
    expect(name.status).toBe(400);
    expect(name.json.error.details.fields[0].path).toBe('display_name');
    const nested = await call(server, 'POST', '/api/devices', u.accessToken(), {
      install_id: 'abc\u0000defghij',
      platform: 'ios',
    });
    expect(nested.status).toBe(400);
    const query = await call(server, 'GET', '/api/search/profiles?q=a%00', u.accessToken());
    expect(query.status).toBe(400);
    expect(query.json.error.details.fields[0].path).toBe('q');
    for (const path of [
      '/checkout/local/%00',
      '/api/profiles/%00',
      '/storage/v1/object/sign/x%00',
      '/webhooks/local%00',
    ]) {
      const r = await call(server, 'GET', path);
      expect(r.status, path).toBe(400);
      expect(r.json.error.details.fields[0].path).toBe('path');
    }
    const otp = await raw(server, 'POST', '/auth/v1/otp', JSON.stringify({ email: 'a\u0000@example.com' }), {
      'content-type': 'application/json',
    });
    expect(otp.status).toBe(400);
    expect(otp.json.msg).toContain('email');
    const hook = await raw(server, 'POST', '/webhooks/local', JSON.stringify({ id: 'evt\u0000' }), {
      'content-type': 'application/json',
    });
    expect(hook.status).toBeLessThan(500);
    // The database's own refusal is the backstop.
    expect(fromPgError({ code: '22021' })?.kind).toBe('validation');
    expect(fromPgError({ code: '22P05' })?.kind).toBe('validation');
  });

  it('/auth/v1 refuses a big body before reading it, then closes the connection', async () => {
    // Announced length over the limit: refused on the headers alone.
    const announced = await streamPartly(
      server,
      '/auth/v1/otp',
      ['content-type: application/json', `content-length: ${50 * 1024 * 1024}`],
      Buffer.alloc(64 * 1024, 0x20),
    );
    expect(announced.answer).toMatch(/^HTTP\/1\.1 413/);
    expect(announced.answer.toLowerCase()).toContain('connection: close');
    expect(announced.ended).toBe(true);
    // Chunked, no length: refused once the limit is passed, long before the 50 MB are sent.
    const chunk = Buffer.alloc(AUTH_BODY_LIMIT_BYTES * 2, 0x20);
    const chunked = await streamPartly(
      server,
      '/auth/v1/otp',
      ['content-type: application/json', 'transfer-encoding: chunked'],
      Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
    );
    expect(chunked.answer).toMatch(/^HTTP\/1\.1 413/);
    expect(chunked.ended).toBe(true);
    // And /api closes after its 413 as well.
    const api = await streamPartly(
      server,
      '/api/profiles/me',
      ['content-type: application/json', `content-length: ${50 * 1024 * 1024}`],
      Buffer.alloc(1024, 0x20),
    );
    expect(api.answer).toMatch(/^HTTP\/1\.1 413/);
    expect(api.ended).toBe(true);
    expect((await call(server, 'GET', '/api/health')).status).toBe(200);
  });

  it('429s from /auth/v1 say when to retry', async () => {
    const email = uniqueEmail('limit');
    const otp = () =>
      raw(server, 'POST', '/auth/v1/otp', JSON.stringify({ email, create_user: true }), {
        'content-type': 'application/json',
      });
    expect((await otp()).status).toBe(200);
    expect((await otp()).status).toBe(200);
    const limited = await otp();
    expect(limited.status).toBe(429);
    const after = Number(limited.headers.get('retry-after'));
    expect(after).toBeGreaterThan(3000);
    expect(after).toBeLessThanOrEqual(3600);
  });

  it('names the field in the 400s for birth_date, message cursors and media_id', async () => {
    const date = await call(server, 'POST', '/api/account/age', u.accessToken(), {
      birth_date: '2001-02-30',
    });
    expect(date.status).toBe(400);
    expect(date.json.error.details.fields[0].path).toBe('birth_date');
    const other = await signIn(server);
    const otherId = (await other.api.me()).real_profile!.id;
    const conv = (await u.api.startConversation(otherId)).id;
    const cursor = await call(
      server,
      'GET',
      `/api/conversations/${conv}/messages?before=bad`,
      u.accessToken(),
    );
    expect(cursor.json.error.details.fields[0].path).toBe('before');
    const media = await call(server, 'POST', `/api/conversations/${conv}/messages`, u.accessToken(), {
      media_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(media.status).toBe(400);
    expect(media.json.error.details.fields[0].path).toBe('media_id');
  });
});
