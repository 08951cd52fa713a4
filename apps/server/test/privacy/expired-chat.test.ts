import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredMessages } from '../../src/messaging/no-trace.service.ts';
import { makePng } from '../../src/storage/media.fixture.ts';
import {
  call,
  connectRealtime,
  dbTargets,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from '../harness.ts';
import {
  assertLearnsNothing,
  endpointsThatSaw,
  identityOf,
  localUrl,
  probe,
  type Secret,
  type Transcript,
  uploadPng,
  type Victim,
} from './probe.ts';

/**
 * Threat: the other participant of a no-trace chat, after its messages expired. They kept everything a client
 * can keep: catch-up cursors, message ids, media ids, signed URLs, a view-once message id. After expiry and the
 * purge (injected clock, as in no-trace.test.ts) nothing of the content is reachable through any endpoint or
 * socket, and the rows and files are gone.
 */
describe.each(dbTargets())('privacy: the ex-participant of an expired chat (%s)', (target) => {
  let server: TestServer;
  let attacker: TestUser;
  let victimUser: TestUser;
  let conv: string;
  let victim: Victim;
  let secrets: Secret[];
  let before: Transcript;
  let after: Transcript;
  let duringPurge: string[];
  const media: { id: string; path: string }[] = [];
  const messageIds: string[] = [];
  const png = makePng(8, 8);

  beforeAll(async () => {
    server = await startTestServer(target);
    victimUser = await signIn(server);
    attacker = await signIn(server);
    await switchTo(victimUser, 'shadow');
    await switchTo(attacker, 'shadow');
    const v = await identityOf(victimUser);
    conv = (await attacker.api.startConversation(v.shadow.id)).id;
    await victimUser.api.setConversationTimer(conv, '5m');
    await attacker.api.sendMessage(conv, { body: 'shall we?' });

    // What the victim sends under the timer: text, an image, a view-once image opened and one left unopened.
    const body = `burn after reading ${randomUUID()}`;
    const text = await victimUser.api.sendMessage(conv, { body });
    const [image, opened, unopened] = [
      await uploadPng(server, victimUser, png, { sealed: true }),
      await uploadPng(server, victimUser, png, { sealed: true }),
      await uploadPng(server, victimUser, png, { sealed: true }),
    ];
    media.push(image, opened, unopened);
    const imageMsg = await victimUser.api.sendMessage(conv, { media_id: image.id });
    const onceA = await victimUser.api.sendMessage(conv, { media_id: opened.id, view_once: true });
    const onceB = await victimUser.api.sendMessage(conv, { media_id: unopened.id, view_once: true });
    messageIds.push(text.id, imageMsg.id, onceA.id, onceB.id);
    for (const m of [text, imageMsg, onceA, onceB]) expect(m.expires_at).not.toBeNull();

    // What the attacker keeps: cursors, a signed URL of the image, the view-once URL it opened once.
    const page = await attacker.api.messages(conv, { limit: 2 });
    const imageUrl = await attacker.api.mediaUrl(image.id);
    const onceUrl = await attacker.api.openViewOnce(onceA.id);
    expect((await fetch(localUrl(server, onceUrl.url))).status).toBe(200);
    await attacker.api.markRead(conv);

    victim = {
      userId: victimUser.userId,
      email: v.email,
      real: v.real,
      shadow: v.shadow,
      hidden: [],
      expectMissing: { media: true },
      mediaIds: media.map((m) => m.id),
      conversationIds: [conv],
      hiddenConversationIds: [],
      messageIds,
      cursors: [...page.items.map((m) => m.cursor), page.next_cursor!],
      signedUrls: [imageUrl.url, onceUrl.url],
    };
    secrets = [
      { label: 'message body', value: body },
      ...media.flatMap((m, i) => [
        { label: `media id ${i}`, value: m.id },
        { label: `object path ${i}`, value: m.path },
      ]),
      // Deletion events may name the ids of what is gone; answers must not.
      ...messageIds.map((id, i): Secret => ({ label: `message id ${i}`, value: id, where: 'http' })),
      { label: 'victim user id', value: victimUser.userId },
    ];

    // Positive control: before expiry the same probe reads the content (control: open nothing).
    before = await probe(
      server,
      { user: attacker, personas: ['shadow'] },
      { ...victim, signedUrls: [] },
      {
        control: true,
      },
    );

    // Expiry, with the attacker's socket open through the purge.
    const socket = await connectRealtime(server.url, attacker.accessToken());
    const purged = await purgeExpiredMessages(server.db, server.storage, {
      asOf: new Date(Date.now() + 6 * 60_000),
    });
    expect(purged).toBeGreaterThanOrEqual(4);
    await new Promise((r) => setTimeout(r, 300));
    socket.ws.close();
    duringPurge = socket.messages.map((m) => JSON.stringify(m));

    // Afterwards the ex-participant tries everything again, as both personas, with a fresh socket (replay?).
    after = await probe(server, { user: attacker, personas: ['shadow', 'real'] }, victim);
  });
  afterAll(() => server?.dispose());

  it('before expiry the probe reads the content (the test can fail)', () => {
    expect(endpointsThatSaw(before, secrets)).toEqual(
      expect.arrayContaining([
        'GET /api/conversations',
        'GET /api/conversations/{id}/messages',
        'GET /api/conversations/{id}/messages?after=cursor2',
        'GET /api/conversations/{id}/messages?before=cursor0',
      ]),
    );
    expect(before.urls.find((u) => u.endpoint === 'media url issued now')?.status).toBe(200);
  });

  it('after the purge nothing of the content is reachable: reads, cursors, media, view-once, notifications, realtime', () => {
    assertLearnsNothing(after, secrets);
    const reads = after.entries.filter(
      (x) => x.persona === 'shadow' && x.endpoint.startsWith('GET /api/conversations/{id}/messages'),
    );
    expect(reads).toHaveLength(1 + 2 * 3); // plain, and after/before each of the three saved cursors
    for (const e of reads) {
      expect({ endpoint: e.endpoint, status: e.status, items: JSON.parse(e.text).items }).toEqual({
        endpoint: e.endpoint,
        status: 200,
        items: [],
      });
    }
    const one = after.entries.find(
      (e) => e.persona === 'shadow' && e.endpoint === 'GET /api/conversations/{id}',
    )!;
    expect(JSON.parse(one.text)).toMatchObject({ id: conv, last_message: null, unread_count: 0 });
    // Every saved signed URL was replayed and refused.
    expect(after.urls.filter((u) => u.endpoint === 'signed url issued earlier').map((u) => u.status)).toEqual(
      [404, 404, 404, 404],
    );
  });

  it('deletion events during the purge carried no content', () => {
    const leaked = duringPurge.filter((m) => secrets.some((s) => s.where !== 'http' && m.includes(s.value)));
    expect(leaked).toEqual([]);
  });

  it('opening a view-once again, opened or not, reads like a message that never existed', async () => {
    const ghost = await call(server, 'POST', `/api/messages/${randomUUID()}/open`, attacker.accessToken());
    for (const id of messageIds.slice(2)) {
      const again = await call(server, 'POST', `/api/messages/${id}/open`, attacker.accessToken());
      expect(again.status).toBe(404);
      expect({ ...again.json.error, request_id: null }).toEqual({ ...ghost.json.error, request_id: null });
    }
  });

  it('the rows, the queue entries and the files are gone', async () => {
    const q = async (sql: string, params: unknown[]) => (await server.db.driver.query(sql, params)).rows;
    expect(await q('select id from public.messages where id = any($1::uuid[])', [messageIds])).toEqual([]);
    expect(await q('select id from public.messages where conversation_id = $1', [conv])).toEqual([]);
    expect(
      await q('select id from public.media_objects where id = any($1::uuid[])', [media.map((m) => m.id)]),
    ).toEqual([]);
    expect(
      await q('select object_path from public.purge_queue where object_path = any($1::text[])', [
        media.map((m) => m.path),
      ]),
    ).toEqual([]);
    for (const m of media) expect(existsSync(join(server.env.DATA_DIR, 'storage', m.path))).toBe(false);
  });
});
