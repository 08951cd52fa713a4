import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  claimsOf,
  connectRealtime,
  dbTargets,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';
import { mediaFixture } from '../../test/media-fixture.ts';
import { shadowCleanupSteps } from '../domains.ts';
import { purgeShadowCaches } from './shadow-cache.service.ts';

describe.each(dbTargets())('shadow persona off/on and the shadow-cache cleaner (%s)', (target) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let aliceShadow: { id: string; handle: string };
  let bobShadow: { id: string; handle: string };
  let conv: string;
  const f = mediaFixture(() => server);
  const clean = (asOf?: Date) => purgeShadowCaches(server.db, server.storage, shadowCleanupSteps(), { asOf });
  const off = (u: TestUser) => call(server, 'POST', '/api/personas/shadow/off', u.accessToken());
  const on = (u: TestUser) => call(server, 'POST', '/api/personas/shadow/on', u.accessToken());

  /** Switches alice's shadow off from her shadow session and installs the re-issued real session. */
  async function aliceOff() {
    const res = await off(alice);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ shadow: 'off', persona: 'real', refresh_required: false });
    const { error } = await alice.supabase.auth.setSession({
      access_token: res.json.session.access_token,
      refresh_token: res.json.session.refresh_token,
    });
    expect(error).toBeNull();
    return res;
  }

  beforeAll(async () => {
    server = await startTestServer(target);
    alice = await signIn(server);
    bob = await signIn(server);
    await switchTo(alice, 'shadow');
    await switchTo(bob, 'shadow');
    const a = (await alice.api.me()).active_profile;
    const b = (await bob.api.me()).active_profile;
    aliceShadow = { id: a.id, handle: a.handle };
    bobShadow = { id: b.id, handle: b.handle };
    const started = await call(server, 'POST', '/api/conversations', alice.accessToken(), {
      profile_id: bobShadow.id,
    });
    expect(started.status).toBe(200);
    conv = started.json.id;
    expect((await call(server, 'POST', `/api/conversations/${conv}/accept`, bob.accessToken())).status).toBe(
      200,
    );
    const send = (u: TestUser, body: string) =>
      call(server, 'POST', `/api/conversations/${conv}/messages`, u.accessToken(), { body });
    expect((await send(alice, 'hi from the shadows')).status).toBe(201);
    expect((await send(bob, 'hi back')).status).toBe(201);
  });
  afterAll(() => server?.dispose());

  it('switching off hides the shadow from everyone else; switching on brings it back', async () => {
    const avatar = await f.upload(alice);
    await alice.api.updateProfile({ avatar_media_id: avatar.id });
    const avatarUrl = await f.signedUrl(bob, avatar.id);
    const staleShadowToken = alice.accessToken();
    expect(claimsOf(staleShadowToken).persona).toBe('shadow');
    expect((await call(server, 'GET', `/api/profiles/${aliceShadow.handle}`, bob.accessToken())).status).toBe(
      200,
    );

    const res = await aliceOff();
    // The re-issued session is the real persona; the shadow cannot be switched back into while off.
    expect(claimsOf(alice.accessToken()).persona).toBe('real');
    expect((await call(server, 'GET', '/api/personas/shadow', alice.accessToken())).json.shadow).toBe('off');
    expect(claimsOf(res.json.session.access_token).persona).toBe('real');
    const back = await call(server, 'POST', '/api/personas/switch', alice.accessToken(), {
      persona: 'shadow',
    });
    expect(back.status).toBe(403);

    // To bob the shadow does not exist: no profile, no conversation, no messages, no avatar, no new chat.
    expect((await call(server, 'GET', `/api/profiles/${aliceShadow.handle}`, bob.accessToken())).status).toBe(
      404,
    );
    const list = await call(server, 'GET', '/api/conversations', bob.accessToken());
    expect(list.status).toBe(200);
    const ids = [...list.json.conversations, ...list.json.requests].map((c: { id: string }) => c.id);
    expect(ids).not.toContain(conv);
    expect((await call(server, 'GET', `/api/conversations/${conv}`, bob.accessToken())).status).toBe(404);
    expect((await call(server, 'GET', `/api/conversations/${conv}/messages`, bob.accessToken())).status).toBe(
      404,
    );
    expect(
      (
        await call(server, 'POST', `/api/conversations/${conv}/messages`, bob.accessToken(), {
          body: 'are you there?',
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(server, 'POST', '/api/conversations', bob.accessToken(), { profile_id: aliceShadow.id }))
        .status,
    ).toBe(404);
    expect((await call(server, 'GET', `/api/media/${avatar.id}/url`, bob.accessToken())).status).toBe(404);
    // A shadow token issued before the switch cannot send either.
    expect(
      (
        await call(server, 'POST', `/api/conversations/${conv}/messages`, staleShadowToken, {
          body: 'still here',
        })
      ).status,
    ).toBe(404);
    expect(
      await f.one('select 1 from public.messages where conversation_id = $1 and body = $2', [
        conv,
        'are you there?',
      ]),
    ).toBeUndefined();

    // The cleaner drops the avatar (row and bytes); the earlier URL stops serving.
    await clean();
    expect(await f.one('select 1 from public.media_objects where id = $1', [avatar.id])).toBeUndefined();
    expect(f.onDisk(avatar.path)).toBe(false);
    expect((await fetch(avatarUrl)).status).toBe(404);

    // On again (from the real persona): everything that was hidden is back, the conversation intact.
    const again = await on(alice);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ shadow: 'active', persona: 'real', session: null });
    expect((await call(server, 'GET', `/api/profiles/${aliceShadow.handle}`, bob.accessToken())).status).toBe(
      200,
    );
    const visible = await call(server, 'GET', '/api/conversations', bob.accessToken());
    expect(visible.json.conversations.map((c: { id: string }) => c.id)).toContain(conv);
    const msgs = await call(server, 'GET', `/api/conversations/${conv}/messages`, bob.accessToken());
    expect(msgs.json.items.map((m: { body: string }) => m.body)).toEqual(
      expect.arrayContaining(['hi from the shadows', 'hi back']),
    );
    await switchTo(alice, 'shadow');
    expect((await alice.api.me()).active_profile.avatar_media_id).toBeNull();
    // Switching on or off twice is harmless.
    expect((await on(alice)).status).toBe(200);
  });

  it('the cleaner purges vectors, avatar bytes and notifications of an off shadow; a second run does nothing', async () => {
    // alice is in her (on) shadow persona: an avatar, a discovery row, a follow that notified bob.
    const avatar = await f.upload(alice);
    await alice.api.updateProfile({ avatar_media_id: avatar.id });
    await server.db.service('test:vectors', (tx) =>
      tx.query('insert into public.profile_vectors (profile_id) values ($1) on conflict do nothing', [
        aliceShadow.id,
      ]),
    );
    await alice.api.follow(bobShadow.id);
    const notified = () =>
      f.count('select 1 from public.notifications where actor_id = $1 and recipient_id = $2', [
        aliceShadow.id,
        bobShadow.id,
      ]);
    expect(await notified()).toBe(1);
    // Nothing to do while the shadow is on.
    expect(await clean()).toBe(0);

    await aliceOff();
    expect(await clean()).toBeGreaterThanOrEqual(4); // vector, avatar pointer, media row, notification (+ file)
    expect(
      await f.one('select 1 from public.profile_vectors where profile_id = $1', [aliceShadow.id]),
    ).toBeUndefined();
    expect(
      await f.one('select avatar_media_id from public.profiles where id = $1', [aliceShadow.id]),
    ).toEqual({
      avatar_media_id: null,
    });
    expect(await f.one('select 1 from public.media_objects where id = $1', [avatar.id])).toBeUndefined();
    expect(f.onDisk(avatar.path)).toBe(false);
    expect(await notified()).toBe(0);
    // Content is not cache: the follow and the conversation stay for when the shadow comes back.
    expect(await f.count('select 1 from public.follows where follower_id = $1', [aliceShadow.id])).toBe(1);
    expect(await f.count('select 1 from public.messages where conversation_id = $1', [conv])).toBeGreaterThan(
      0,
    );

    expect(await clean()).toBe(0);
    expect(await f.count('select 1 from public.purge_queue')).toBe(0);
    expect((await on(alice)).status).toBe(200);
    await switchTo(alice, 'shadow');
  });

  it('resumes byte deletion after a crash between the row delete and the file delete', async () => {
    const avatar = await f.upload(alice);
    await alice.api.updateProfile({ avatar_media_id: avatar.id });
    await aliceOff();
    const driver = server.storage.driver;
    const original = driver.deleteObject.bind(driver);
    driver.deleteObject = async () => {
      throw new Error('storage down');
    };
    try {
      await clean();
      expect(await f.one('select 1 from public.media_objects where id = $1', [avatar.id])).toBeUndefined();
      expect(f.onDisk(avatar.path)).toBe(true);
      expect(
        await f.one('select attempts from public.purge_queue where object_path = $1', [avatar.path]),
      ).toEqual({ attempts: 1 });
    } finally {
      driver.deleteObject = original;
    }
    // The next run starts with what the crashed one left behind.
    expect(await clean()).toBe(1);
    expect(f.onDisk(avatar.path)).toBe(false);
    expect(
      await f.one('select 1 from public.purge_queue where object_path = $1', [avatar.path]),
    ).toBeUndefined();
    expect(await clean()).toBe(0);
    expect((await on(alice)).status).toBe(200);
    await switchTo(alice, 'shadow');
  });

  it('closes the realtime sockets of a shadow that is switched off', async () => {
    const socket = await connectRealtime(server.url, alice.accessToken());
    const closed = new Promise<number>((resolve) => socket.ws.once('close', (code) => resolve(code)));
    await aliceOff();
    expect(await closed).toBe(4003);
    expect((await on(alice)).status).toBe(200);
    await switchTo(alice, 'shadow');
  });

  it('sweeps expired network fingerprints on its schedule, and only those', async () => {
    const exists = await f.one(`select to_regclass('public.network_sightings') is not null as ok`);
    if (!exists?.ok) return; // the social firewall's table is not in this schema
    const now = Date.now();
    await server.db.service('test:sightings', (tx) =>
      tx.query(
        `insert into public.network_sightings (user_id, fingerprint, expires_at) values
           ($1, repeat('a', 64), $3), ($1, repeat('b', 64), $4), ($2, repeat('a', 64), $4)`,
        [alice.userId, bob.userId, new Date(now + 60_000), new Date(now + 3_600_000)],
      ),
    );
    const left = () =>
      f.count(
        `select 1 from public.network_sightings where fingerprint in (repeat('a', 64), repeat('b', 64))`,
      );
    expect(await clean(new Date(now))).toBe(0);
    expect(await left()).toBe(3);
    expect(await clean(new Date(now + 120_000))).toBe(1);
    expect(await left()).toBe(2);
    expect(await clean(new Date(now + 120_000))).toBe(0);
    expect(await clean(new Date(now + 7_200_000))).toBe(2);
    expect(await left()).toBe(0);
  });

  it('only the owner switches, and only signed in', async () => {
    expect((await call(server, 'POST', '/api/personas/shadow/off')).status).toBe(401);
    expect((await call(server, 'GET', '/api/personas/shadow')).status).toBe(401);
    // bob switching his own shadow never touches alice's.
    await switchTo(bob, 'real');
    expect((await off(bob)).json).toMatchObject({ shadow: 'off', persona: 'real', session: null });
    expect((await call(server, 'GET', '/api/personas/shadow', alice.accessToken())).json.shadow).toBe(
      'active',
    );
    expect((await on(bob)).status).toBe(200);
  });
});
