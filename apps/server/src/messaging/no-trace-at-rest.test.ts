import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMarkers } from '../../test/data-dir-scan.ts';
import {
  call,
  dbTargets,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';
import { mediaFixture } from '../../test/media-fixture.ts';
import { LocalKeyDirectory } from '../keys/key-provider.ts';
import { openText } from '../keys/sealed-box.ts';
import { makePng } from '../storage/media.fixture.ts';
import { purgeExpiredMessages } from './no-trace.service.ts';

const later = (ms: number) => new Date(Date.now() + ms);
const marker = (what: string) => `ipelya-marker-${what}-${randomUUID()}`;

/**
 * "No trace leaves no readable byte": the plaintext of timed and view-once messages never reaches a file under
 * DATA_DIR (embedded database files and WAL, storage, keys, outbox), before or after expiry; after the purge
 * their keys are gone and the ciphertext copies cannot be opened.
 */
describe.each(dbTargets())('no-trace at rest (%s)', (target) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let conv: string;
  const f = mediaFixture(() => server);
  const dataDir = () => server.env.DATA_DIR;
  const send = (u: TestUser, c: string, body: unknown) =>
    call(server, 'POST', `/api/conversations/${c}/messages`, u.accessToken(), body);
  const flush = async () => {
    // PGlite: write every dirty page to the data files, so the scan sees what a crash would leave on disk.
    if (target === 'pglite') await server.db.driver.exec('checkpoint');
  };

  async function conversation(a: TestUser, b: TestUser, timer: string) {
    const other = (await b.api.me()).real_profile!.id;
    const c = (await call(server, 'POST', '/api/conversations', a.accessToken(), { profile_id: other })).json
      .id as string;
    await call(server, 'POST', `/api/conversations/${c}/accept`, b.accessToken());
    expect(
      (await call(server, 'PUT', `/api/conversations/${c}/timer`, a.accessToken(), { timer })).status,
    ).toBe(200);
    return c;
  }

  beforeAll(async () => {
    // On disk, not in memory: the point is what the files hold.
    server = await startTestServer(target, { EMBEDDED_DB: 'disk' });
    alice = await signIn(server);
    bob = await signIn(server);
    conv = await conversation(alice, bob, '5m');
  });
  afterAll(() => server?.dispose());

  it('the scan finds a plaintext marker (control: an ordinary message in a chat without timer)', async () => {
    const carol = await signIn(server);
    const plain = await conversation(carol, bob, 'off');
    const m = marker('control');
    expect((await send(carol, plain, { body: m })).status).toBe(201);
    await flush();
    const hits = findMarkers(dataDir(), [m]);
    if (target === 'pglite') expect(hits.length).toBeGreaterThan(0);
    const row = await f.one('select body from public.messages where conversation_id = $1', [plain]);
    expect(row!.body).toBe(m);
  });

  it('timed and view-once bodies and media never reach a file; after the purge their keys are gone', async () => {
    const textMarker = marker('timed-text');
    const captionMarker = marker('view-once-caption');
    const mediaMarker = marker('timed-media');
    const onceMarker = marker('view-once-media');
    const readTimerMarker = marker('read-timer');
    const markers = [textMarker, captionMarker, mediaMarker, onceMarker, readTimerMarker];
    // Valid PNGs with a unique byte string after IEND (the sniffer reads the head).
    const image = Buffer.concat([makePng(8, 8), Buffer.from(mediaMarker)]);
    const onceImage = Buffer.concat([makePng(8, 8), Buffer.from(onceMarker)]);

    const text = await send(alice, conv, { body: textMarker });
    expect(text.status).toBe(201);
    expect(text.json.body).toBe(textMarker);
    const media = await f.upload(alice, image, { sealed: true });
    const withMedia = await send(alice, conv, { media_id: media.id });
    expect(withMedia.status).toBe(201);
    const once = await f.upload(alice, onceImage, { sealed: true });
    const onceMsg = await send(alice, conv, { media_id: once.id, view_once: true, body: captionMarker });
    expect(onceMsg.status).toBe(201);
    const readConv = await conversation(alice, bob, '30s_after_read');
    const readTimed = await send(alice, readConv, { body: readTimerMarker });
    expect(readTimed.status).toBe(201);

    // The entitled reader gets the plaintext: list, catch-up and media through the signed URL.
    const list = await call(server, 'GET', `/api/conversations/${conv}/messages`, bob.accessToken());
    const bodies = list.json.items.map((m: { body: string }) => m.body);
    expect(bodies).toEqual(expect.arrayContaining([textMarker, captionMarker]));
    const overview = await call(server, 'GET', '/api/conversations', bob.accessToken());
    expect(JSON.stringify(overview.json)).toContain(readTimerMarker);
    const url = await call(server, 'GET', `/api/media/${media.id}/url`, bob.accessToken());
    const got = await fetch(f.local(url.json.url));
    expect(Buffer.from(await got.arrayBuffer()).equals(image)).toBe(true);
    const ranged = await fetch(f.local(url.json.url), { headers: { range: 'bytes=2-9' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(image.subarray(2, 10))).toBe(true);
    const opened = await call(server, 'POST', `/api/messages/${onceMsg.json.id}/open`, bob.accessToken());
    const onceBytes = await fetch(f.local(opened.json.url));
    expect(Buffer.from(await onceBytes.arrayBuffer()).equals(onceImage)).toBe(true);

    // What the database holds: ciphertext and key ids, never the text (on PostgreSQL this is what we can see).
    const ids = [text.json.id, onceMsg.json.id, readTimed.json.id];
    const stored = await f.rows(
      'select id, conversation_id, body, body_sealed, key_id from public.messages where id = any($1)',
      [ids],
    );
    expect(stored).toHaveLength(3);
    for (const r of stored) {
      expect(r.body).toBe('');
      expect(r.key_id).toMatch(/^(w-\d+|k-[0-9a-f-]{36})$/);
      const box = Buffer.from(r.body_sealed as Uint8Array);
      for (const m of markers) expect(box.includes(Buffer.from(m))).toBe(false);
    }
    const mediaKeys = (
      await f.rows('select key_id from public.media_objects where id = any($1)', [[media.id, once.id]])
    ).map((r) => r.key_id as string);
    expect(mediaKeys.every((k) => /^k-/.test(k))).toBe(true);
    const keyIds = [...stored.map((r) => r.key_id as string), ...mediaKeys];
    const keysDir = join(dataDir(), 'keys');
    for (const id of keyIds) expect(existsSync(join(keysDir, `${id}.key`)), id).toBe(true);

    await flush();
    expect(findMarkers(dataDir(), markers)).toEqual([]);

    // Expiry: the read timer starts, everything's time passes, the purge runs.
    expect(
      (await call(server, 'POST', `/api/conversations/${readConv}/read`, bob.accessToken())).status,
    ).toBe(200);
    await purgeExpiredMessages(server.db, server.storage, { asOf: later(2 * 3_600_000) });
    expect(await f.count('select 1 from public.messages where id = any($1)', [ids])).toBe(0);
    expect(await f.count('select 1 from public.sealing_keys where id = any($1)', [keyIds])).toBe(0);
    const fresh = new LocalKeyDirectory(keysDir);
    for (const id of keyIds) {
      expect(existsSync(join(keysDir, `${id}.key`)), id).toBe(false);
      expect(await fresh.get(id)).toBeNull();
    }
    // The ciphertext copies that may survive (WAL, backups) no longer open, not even in this process.
    for (const r of stored) {
      const aad = `ipelya:message-body:v1:${r.conversation_id}`;
      expect(
        await server.storage.sealer.openText(
          r.key_id as string,
          Buffer.from(r.body_sealed as Uint8Array),
          aad,
        ),
      ).toBeNull();
      expect(openText(Buffer.alloc(32), Buffer.from(r.body_sealed as Uint8Array), aad)).toBeNull();
    }
    await flush();
    expect(findMarkers(dataDir(), markers)).toEqual([]);
  });

  it('refuses plaintext where no trace is promised: unsealed media, and plaintext rows written past the API', async () => {
    const plainMedia = await f.upload(alice, f.png);
    const res = await send(alice, conv, { media_id: plainMedia.id });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('media_not_sealed');
    const vo = await send(alice, conv, { media_id: plainMedia.id, view_once: true });
    expect(vo.status).toBe(400);
    // Even the SQL send path, as a client could call it through PostgREST, cannot store a plaintext timed body.
    const claims = JSON.parse(Buffer.from(alice.accessToken().split('.')[1]!, 'base64url').toString());
    await expect(
      server.db.asUser(claims, (tx) => tx.query('select public.send_message($1, $2, null)', [conv, 'plain'])),
    ).rejects.toThrow(/must be sealed/);
  });

  it('media of an expired or opened message stops serving at once, before any purge', async () => {
    const timed = await conversation(alice, bob, '1h');
    const media = await f.upload(alice, f.png, { sealed: true });
    const sent = await send(alice, timed, { media_id: media.id });
    const forBob = await f.signedUrl(bob, media.id);
    const forAlice = await f.signedUrl(alice, media.id);
    await server.db.driver.query(
      `update public.messages set expires_at = now() - interval '1 second' where id = $1`,
      [sent.json.id],
    );
    expect((await fetch(forBob)).status).toBe(404);
    expect((await fetch(forAlice)).status).toBe(404);
    expect(f.onDisk(media.path)).toBe(true); // not purged yet, just no longer served

    // View-once: the sender's earlier URL dies when the recipient opens it; the opening URL serves.
    const onceMedia = await f.upload(alice, f.png, { sealed: true });
    const once = await send(alice, timed, { media_id: onceMedia.id, view_once: true });
    const senderUrl = await f.signedUrl(alice, onceMedia.id);
    const opened = await call(server, 'POST', `/api/messages/${once.json.id}/open`, bob.accessToken());
    expect(opened.status).toBe(200);
    expect((await fetch(senderUrl)).status).toBe(404);
    expect((await fetch(f.local(opened.json.url))).status).toBe(200);
  });
});
