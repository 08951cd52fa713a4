import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dbTargets,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';
import { mediaFixture } from '../../test/media-fixture.ts';
import { makePng } from '../storage/media.fixture.ts';
import { purgeExpiredMessages } from './no-trace.service.ts';

const later = (ms: number) => new Date(Date.now() + ms);

describe.each(dbTargets())('no-trace messaging (%s)', (target) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let conv: string;
  const png = makePng(8, 8);

  const fileOf = (path: string) => join(server.env.DATA_DIR, 'storage', path);
  const one = async (sql: string, params: unknown[]) =>
    (await server.db.driver.query<Record<string, unknown>>(sql, params)).rows[0];
  const setTimer = (u: TestUser, timer: string) =>
    call(server, 'PUT', `/api/conversations/${conv}/timer`, u.accessToken(), { timer });
  const send = (u: TestUser, body: unknown) =>
    call(server, 'POST', `/api/conversations/${conv}/messages`, u.accessToken(), body);
  // PUBLIC_URL is built from PORT, which is 0 in tests; the path is what the server serves.
  const local = (url: string) => server.url + new URL(url).pathname;
  const purge = (asOf: Date) => purgeExpiredMessages(server.db, server.storage, { asOf });
  const fixture = mediaFixture(() => server);

  /** Alice sends an image; returns the message, its media and a signed URL issued to alice (the owner). */
  async function sendImage(extra: Record<string, unknown> = {}) {
    const media = await fixture.upload(alice, png, { sealed: true });
    const sent = await send(alice, { media_id: media.id, ...extra });
    expect(sent.status).toBe(201);
    const url = await call(server, 'GET', `/api/media/${media.id}/url`, alice.accessToken());
    expect(url.status).toBe(200);
    expect((await fetch(local(url.json.url))).status).toBe(200);
    return { message: sent.json, media, url: url.json.url as string };
  }

  beforeAll(async () => {
    server = await startTestServer(target);
    alice = await signIn(server);
    bob = await signIn(server);
    const me = await bob.api.me();
    const started = await call(server, 'POST', '/api/conversations', alice.accessToken(), {
      profile_id: me.real_profile!.id,
    });
    conv = started.json.id;
    // Bob answers so the conversation is active for both.
    expect((await call(server, 'POST', `/api/conversations/${conv}/accept`, bob.accessToken())).status).toBe(
      200,
    );
  });
  afterAll(() => server?.dispose());

  it('any member sets the timer; outsiders and unknown timers are refused', async () => {
    expect((await setTimer(bob, '1h')).json).toEqual({ conversation_id: conv, timer: '1h' });
    expect((await call(server, 'GET', `/api/conversations/${conv}`, alice.accessToken())).json.timer).toBe(
      '1h',
    );
    const mallory = await signIn(server);
    expect((await setTimer(mallory, 'off')).status).toBe(404);
    expect((await setTimer(alice, '2m')).status).toBe(400);
  });

  it('deletes expired messages with their media row and bytes; old signed URLs 404; re-runs are no-ops', async () => {
    expect((await setTimer(alice, '5m')).status).toBe(200);
    const { message, media, url } = await sendImage();
    const text = await send(alice, { body: 'gone in five' });
    const ttl = Date.parse(message.expires_at) - Date.parse(message.created_at);
    expect(ttl).toBe(5 * 60_000);
    expect(existsSync(fileOf(media.path))).toBe(true);

    // Not yet expired: nothing happens.
    await purge(later(60_000));
    expect(await one('select 1 from public.messages where id = $1', [message.id])).toBeDefined();

    expect(await purge(later(6 * 60_000))).toBeGreaterThanOrEqual(3);
    expect(
      await one('select 1 from public.messages where id = any($1)', [[message.id, text.json.id]]),
    ).toBeUndefined();
    expect(await one('select 1 from public.media_objects where id = $1', [media.id])).toBeUndefined();
    expect(existsSync(fileOf(media.path))).toBe(false);
    expect((await fetch(local(url))).status).toBe(404);
    expect(await purge(later(6 * 60_000))).toBe(0);
  });

  it('hides expired messages by RLS before the purge runs', async () => {
    expect((await setTimer(alice, '1h')).status).toBe(200);
    const sent = await send(alice, { body: 'soon hidden' });
    await server.db.driver.query(
      `update public.messages set expires_at = now() - interval '1 second' where id = $1`,
      [sent.json.id],
    );
    const list = await call(server, 'GET', `/api/conversations/${conv}/messages`, bob.accessToken());
    expect(list.json.items.map((m: { id: string }) => m.id)).not.toContain(sent.json.id);
    expect(await one('select 1 from public.messages where id = $1', [sent.json.id])).toBeDefined();
  });

  it('resumes byte deletion after a crash between the row delete and the file delete', async () => {
    expect((await setTimer(alice, '5m')).status).toBe(200);
    const { message, media, url } = await sendImage();
    const driver = server.storage.driver;
    const original = driver.deleteObject.bind(driver);
    let failures = 0;
    driver.deleteObject = async (key: string) => {
      if (failures++ === 0) throw new Error('storage down');
      return original(key);
    };
    try {
      await purge(later(6 * 60_000));
      expect(await one('select 1 from public.messages where id = $1', [message.id])).toBeUndefined();
      expect(await one('select 1 from public.media_objects where id = $1', [media.id])).toBeUndefined();
      // The bytes survived the failed delete, but the URL no longer serves them.
      expect(existsSync(fileOf(media.path))).toBe(true);
      expect(
        await one('select 1 from public.purge_queue where object_path = $1', [media.path]),
      ).toBeDefined();
      expect((await fetch(local(url))).status).toBe(404);

      await purge(later(6 * 60_000));
      expect(existsSync(fileOf(media.path))).toBe(false);
      expect(
        await one('select 1 from public.purge_queue where object_path = $1', [media.path]),
      ).toBeUndefined();
    } finally {
      driver.deleteObject = original;
    }
  });

  it('"30 s after read" starts only once the recipient has read the message', async () => {
    expect((await setTimer(bob, '30s_after_read')).status).toBe(200);
    const sent = await send(alice, { body: 'read me' });
    expect(sent.json.expires_at).toBeNull();
    // Unread, it survives any amount of time.
    await purge(later(30 * 86_400_000));
    expect(await one('select expires_at from public.messages where id = $1', [sent.json.id])).toEqual({
      expires_at: null,
    });
    const read = await call(server, 'POST', `/api/conversations/${conv}/read`, bob.accessToken());
    expect(read.status).toBe(200);
    const row = await one('select expires_at from public.messages where id = $1', [sent.json.id]);
    expect((row!.expires_at as Date).getTime() - Date.parse(read.json.last_read_at)).toBe(30_000);
    await purge(later(10_000));
    expect(await one('select 1 from public.messages where id = $1', [sent.json.id])).toBeDefined();
    await purge(later(31_000));
    expect(await one('select 1 from public.messages where id = $1', [sent.json.id])).toBeUndefined();
  });

  it('the recipient gets signed URLs for ordinary media in the chat; outsiders never; nobody after expiry', async () => {
    expect((await setTimer(alice, '1h')).status).toBe(200);
    const { media } = await sendImage();
    const outsider = await signIn(server);
    const forBob = await call(server, 'GET', `/api/media/${media.id}/url`, bob.accessToken());
    expect(forBob.status).toBe(200);
    const got = await fetch(local(forBob.json.url));
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);
    const stranger = await call(server, 'GET', `/api/media/${media.id}/url`, outsider.accessToken());
    expect(stranger.status).toBe(404);
    expect((await call(server, 'GET', `/api/media/${media.id}/url`, null)).status).toBe(404);
    await purge(later(2 * 3_600_000));
    expect((await call(server, 'GET', `/api/media/${media.id}/url`, bob.accessToken())).status).toBe(404);
    expect((await fetch(local(forBob.json.url))).status).toBe(404);
    expect(existsSync(fileOf(media.path))).toBe(false);
  });

  it('view-once media opens once for the recipient, then is purged with its bytes', async () => {
    expect((await setTimer(alice, 'off')).status).toBe(200);
    expect((await send(alice, { body: 'x', view_once: true })).status).toBe(400);
    const { message, media, url } = await sendImage({ view_once: true });
    expect(message.view_once).toBe(true);
    expect(message.expires_at).toBeNull();
    const open = (u: TestUser) => call(server, 'POST', `/api/messages/${message.id}/open`, u.accessToken());
    // View-once media is reachable only through open, never as an ordinary media URL.
    expect((await call(server, 'GET', `/api/media/${media.id}/url`, bob.accessToken())).status).toBe(404);
    expect((await open(alice)).status).toBe(403);
    const first = await open(bob);
    expect(first.status).toBe(200);
    const got = await fetch(local(first.json.url));
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);
    expect((await open(bob)).status).toBe(410);

    await purge(new Date());
    expect(await one('select 1 from public.messages where id = $1', [message.id])).toBeUndefined();
    expect(await one('select 1 from public.media_objects where id = $1', [media.id])).toBeUndefined();
    expect(existsSync(fileOf(media.path))).toBe(false);
    expect((await fetch(local(first.json.url))).status).toBe(404);
    expect((await fetch(local(url))).status).toBe(404);
    expect((await open(bob)).status).toBe(404);
  });
});
