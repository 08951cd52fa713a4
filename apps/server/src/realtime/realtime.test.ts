import type { RealtimeServerMessage } from '@ipelya/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  connectRealtime,
  freshPostgresDatabase,
  makeCreator,
  postgresAvailable,
  signIn,
  spawnServerProcess,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';

/** Opens an authenticated socket and collects messages. */
const connect = (url: string, token: string) => connectRealtime<RealtimeServerMessage>(url, token);

describe('realtime notifications over the WebSocket (one process, PGlite)', () => {
  let server: TestServer;
  let creator: TestUser;
  let creatorId: string;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    creator = await signIn(server);
    await makeCreator(creator);
    creatorId = (await creator.api.me()).real_profile!.id;
  });
  afterAll(() => server?.dispose());

  it('delivers a new post to followers live, and to nobody else', async () => {
    const fan = await signIn(server);
    const stranger = await signIn(server);
    await fan.api.follow(creatorId);
    const fanSocket = await connect(server.url, fan.accessToken());
    const strangerSocket = await connect(server.url, stranger.accessToken());
    expect(fanSocket.messages[0]).toMatchObject({ type: 'ready' });
    const post = await creator.api.createPost({ body: 'live now' });
    const msg = await fanSocket.waitFor(
      (m) => m.type === 'notification' && m.notification.post_id === post.id,
    );
    expect(msg).toMatchObject({
      type: 'notification',
      notification: { kind: 'new_post', actor: { id: creatorId } },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(strangerSocket.messages.filter((m) => m.type === 'notification')).toHaveLength(0);
    fanSocket.ws.close();
    strangerSocket.ws.close();
  });

  it('tells a creator about a new follower live', async () => {
    const creatorSocket = await connect(server.url, creator.accessToken());
    const fan = await signIn(server);
    await fan.api.follow(creatorId);
    const msg = await creatorSocket.waitFor(
      (m) => m.type === 'notification' && m.notification.kind === 'new_follower',
    );
    expect(msg.type === 'notification' && msg.notification.actor?.id).toBe(
      (await fan.api.me()).real_profile!.id,
    );
    creatorSocket.ws.close();
  });

  it('refuses sockets without a valid token or with a revoked session', async () => {
    await expect(connect(server.url, 'nope')).rejects.toThrow(/closed \(4001\)/);
    const u = await signIn(server);
    const token = u.accessToken();
    await u.supabase.auth.signOut();
    await expect(connect(server.url, token)).rejects.toThrow(/closed \(4001\)/);
    // An Authorization header (server-side clients) is checked before the upgrade.
    const bad = new WebSocket(`${server.url.replace(/^http/, 'ws')}/realtime/v1/websocket`, {
      headers: { authorization: 'Bearer nope' },
    });
    await expect(
      new Promise((ok, fail) => {
        bad.once('open', ok);
        bad.once('error', fail);
      }),
    ).rejects.toThrow(/401/);
  });

  it('takes the token from the first frame or a header, never from the URL', async () => {
    const u = await signIn(server);
    const base = `${server.url.replace(/^http/, 'ws')}/realtime/v1/websocket`;
    // A token in the query is ignored: the socket still has to authenticate, and a first frame that is not
    // an auth frame closes it.
    const viaUrl = new WebSocket(`${base}?access_token=${encodeURIComponent(u.accessToken())}`);
    const closed = await new Promise<{ code: number; first: string | null }>((ok) => {
      let first: string | null = null;
      viaUrl.once('message', (m) => {
        first = m.toString();
      });
      viaUrl.once('open', () => viaUrl.send(JSON.stringify({ type: 'ping' })));
      viaUrl.once('close', (code) => ok({ code, first }));
    });
    expect(closed).toEqual({ code: 4001, first: null });
    const viaHeader = new WebSocket(base, { headers: { authorization: `Bearer ${u.accessToken()}` } });
    const ready = await new Promise<string>((ok) => viaHeader.once('message', (m) => ok(m.toString())));
    expect(JSON.parse(ready)).toMatchObject({ type: 'ready' });
    viaHeader.close();
    const viaFrame = await connect(server.url, u.accessToken());
    expect(viaFrame.messages[0]).toMatchObject({ type: 'ready' });
    viaFrame.ws.close();
  });

  it('scopes delivery to the persona the socket was opened with', async () => {
    const fan = await signIn(server);
    await fan.api.follow(creatorId); // real persona follows
    const me = await fan.api.me();
    await fan.api.switchPersona('shadow').then((s) => fan.supabase.auth.setSession(s as never));
    const shadowSocket = await connect(
      server.url,
      (await fan.supabase.auth.getSession()).data.session!.access_token,
    );
    expect(shadowSocket.messages[0]).toMatchObject({ type: 'ready', persona_id: me.shadow_profile!.id });
    await creator.api.createPost({ body: 'for the real persona only' });
    await new Promise((r) => setTimeout(r, 500));
    expect(shadowSocket.messages.filter((m) => m.type === 'notification')).toHaveLength(0);
    shadowSocket.ws.close();
  });
});

describe.skipIf(!postgresAvailable())(
  'realtime fan-out across two server processes sharing PostgreSQL',
  () => {
    let db: Awaited<ReturnType<typeof freshPostgresDatabase>>;
    let first: TestServer;
    let second: Awaited<ReturnType<typeof spawnServerProcess>>;
    let secondUrl = '';

    beforeAll(async () => {
      db = await freshPostgresDatabase();
      first = await startTestServer('postgres', {}, { url: db.url });
      second = await spawnServerProcess(db.url);
      secondUrl = second.url;
    });
    afterAll(async () => {
      await second?.stop();
      await first?.close();
      await db?.drop();
    });

    it('a post written through process A reaches a follower connected to process B', async () => {
      const creator = await signIn(first);
      await makeCreator(creator);
      const fan = await signIn(first);
      await fan.api.follow((await creator.api.me()).real_profile!.id);
      const socket = await connect(secondUrl, fan.accessToken());
      const post = await creator.api.createPost({ body: 'across processes' });
      const msg = await socket.waitFor(
        (m) => m.type === 'notification' && m.notification.post_id === post.id,
      );
      expect(msg.type).toBe('notification');
      socket.ws.close();
    });
  },
);
