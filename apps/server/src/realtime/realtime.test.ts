import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { RealtimeServerMessage } from '@ipelya/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRealtime,
  freshPostgresDatabase,
  makeCreator,
  postgresAvailable,
  signIn,
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
    await expect(connect(server.url, 'nope')).rejects.toThrow(/401/);
    const u = await signIn(server);
    const token = u.accessToken();
    await u.supabase.auth.signOut();
    await expect(connect(server.url, token)).rejects.toThrow(/401/);
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
    let second: ChildProcess;
    let secondUrl = '';

    beforeAll(async () => {
      db = await freshPostgresDatabase();
      first = await startTestServer('postgres', {}, { url: db.url });
      const port = 20000 + Math.floor(Math.random() * 20000);
      second = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../main.ts')], {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          PORT: String(port),
          HOST: '127.0.0.1',
          SEED_DEMO_DATA: 'false',
          RUN_JOBS: 'false',
          LOG_LEVEL: 'warn',
          NODE_ENV: 'test',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      secondUrl = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 200; i++) {
        const ok = await fetch(`${secondUrl}/api/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('second server process did not start');
    });
    afterAll(async () => {
      second?.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
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
