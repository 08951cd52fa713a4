import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  claimsOf,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
} from '../../test/harness.ts';

describe.each(dbTargets())('profiles and the real/shadow persona switch (%s)', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  it('gives every new user a real and a shadow profile with unrelated handles', async () => {
    const email = `selin.${Date.now()}@example.com`;
    const u = await signIn(server, email);
    const me = await u.api.me();
    expect(me.persona).toBe('real');
    expect(me.real_profile?.kind).toBe('real');
    expect(me.shadow_profile?.kind).toBe('shadow');
    expect(me.shadow_profile!.handle).not.toBe(me.real_profile!.handle);
    expect(me.shadow_profile!.handle).not.toContain('selin');
    expect(me.shadow_profile!.handle.startsWith('u_')).toBe(false);
    // Exact creation times would pair the two profiles; they are kept at day resolution.
    expect(me.shadow_profile!.created_at).toMatch(/T00:00:00\.000Z$/);
  });

  it('switches persona: fresh tokens carry the shadow claims and the API follows them', async () => {
    const u = await signIn(server);
    const before = await u.api.me();
    await switchTo(u, 'shadow');
    const token = (await u.supabase.auth.getSession()).data.session!.access_token;
    const claims = claimsOf(token);
    expect(claims.persona).toBe('shadow');
    expect(claims.persona_id).toBe(before.shadow_profile!.id);
    const me = await u.api.me();
    expect(me.persona).toBe('shadow');
    expect(me.active_profile.id).toBe(before.shadow_profile!.id);
    // The persona survives a token refresh (it lives in the session, read by the access-token hook).
    const { data } = await u.supabase.auth.refreshSession();
    expect(claimsOf(data.session!.access_token).persona).toBe('shadow');
    await switchTo(u, 'real');
    expect((await u.api.me()).persona).toBe('real');
  });

  it('edits only the active persona, validating fields by name', async () => {
    const u = await signIn(server);
    await switchTo(u, 'shadow');
    const handle = `night_${Date.now().toString(36)}`;
    const me = await u.api.updateProfile({ handle, display_name: 'Gece', bio: 'gizli' });
    expect(me.shadow_profile?.handle).toBe(handle);
    expect(me.real_profile?.display_name).toBe('İpelya user');
    const bad = await call(server, 'PATCH', '/api/profiles/me', u.accessToken(), { handle: 'Bad Handle!' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.fields[0].path).toBe('handle');
    const long = await call(server, 'PATCH', '/api/profiles/me', u.accessToken(), { bio: 'x'.repeat(501) });
    expect(long.status).toBe(400);
    expect(long.json.error.details.fields[0].path).toBe('bio');
    const unknown = await call(server, 'PATCH', '/api/profiles/me', u.accessToken(), { is_creator: true });
    expect(unknown.status).toBe(400);
    const other = await signIn(server);
    const taken = await call(server, 'PATCH', '/api/profiles/me', other.accessToken(), { handle });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe('handle_taken');
  });

  it('serves public profiles by handle with public fields only', async () => {
    const u = await signIn(server);
    const me = await u.api.me();
    const viewer = await signIn(server);
    // Shadow personas exist only for signed-in users; an anonymous visitor could be anyone.
    const hidden = await call(server, 'GET', `/api/profiles/${me.shadow_profile!.handle}`);
    expect(hidden.status).toBe(404);
    expect((await call(server, 'GET', `/api/profiles/${me.real_profile!.handle}`)).status).toBe(200);
    const anon = await call(
      server,
      'GET',
      `/api/profiles/${me.shadow_profile!.handle}`,
      viewer.accessToken(),
    );
    expect(anon.status).toBe(200);
    expect(Object.keys(anon.json).sort()).toEqual(
      [
        'avatar_media_id',
        'bio',
        'created_at',
        'display_name',
        'followers_count',
        'handle',
        'id',
        'is_creator',
        'is_demo',
        'is_following',
        'kind',
      ].sort(),
    );
    expect(anon.text).not.toContain(u.userId);
    expect(anon.text).not.toContain(me.real_profile!.id);
    expect(anon.text).not.toContain(me.real_profile!.handle);
    expect((await call(server, 'GET', '/api/profiles/nobody_here')).status).toBe(404);
  });

  it('gates creator onboarding on age', async () => {
    const u = await signIn(server);
    const early = await call(server, 'POST', '/api/profiles/me/creator', u.accessToken());
    expect(early.status).toBe(403);
    const young = await call(server, 'POST', '/api/account/age', u.accessToken(), {
      birth_date: new Date().toISOString().slice(0, 10),
    });
    expect(young.status).toBe(400);
    const badDate = await call(server, 'POST', '/api/account/age', u.accessToken(), {
      birth_date: '31/12/1990',
    });
    expect(badDate.status).toBe(400);
    expect(badDate.json.error.details.fields[0].path).toBe('birth_date');
    await makeCreator(u);
    const me = await u.api.me();
    expect(me.age_verified).toBe(true);
    expect(me.real_profile?.is_creator).toBe(true);
    expect(me.shadow_profile?.is_creator).toBe(false);
    expect(claimsOf((await u.supabase.auth.getSession()).data.session!.access_token)).toMatchObject({
      is_creator: true,
      age_verified: true,
    });
  });

  it('keeps each persona to its own data: a shadow session never reads real-persona data', async () => {
    const creator = await signIn(server);
    await makeCreator(creator);
    const creatorMe = await creator.api.me();
    const fan = await signIn(server);
    await fan.api.follow(creatorMe.real_profile!.id); // as the real persona
    await creator.api.createPost({ body: 'for followers', visibility: 'followers' });
    expect((await fan.api.feed()).items).toHaveLength(1);
    await switchTo(fan, 'shadow');
    expect((await fan.api.feed()).items).toHaveLength(0);
    const post = (await creator.api.myPosts()).items[0]!;
    expect((await fan.api.post(post.id)).unlocked).toBe(false);
    // The creator's new-follower notification names the real persona that followed, and only it.
    const notes = await creator.api.notifications();
    const fanMe = await fan.api.me();
    expect(notes.items[0]?.actor?.id).toBe(fanMe.real_profile!.id);
    expect(JSON.stringify(notes)).not.toContain(fanMe.shadow_profile!.id);
  });

  it('lists and revokes sessions bound to devices, and caps accounts per device', async () => {
    const installId = `install-${Date.now()}`;
    const a = await signIn(server, undefined, { installId, platform: 'android' });
    const b = await signIn(server, undefined, { installId });
    const sessions = await a.api.sessions();
    expect(sessions.items).toHaveLength(1);
    expect(sessions.items[0]!.current).toBe(true);
    expect(sessions.items[0]!.device_id).toMatch(/^[0-9a-f-]{36}$/);
    // b cannot see or revoke a's session
    const bSessions = await b.api.sessions();
    expect(bSessions.items.map((s) => s.id)).not.toContain(sessions.items[0]!.id);
    const cross = await call(server, 'DELETE', `/api/sessions/${sessions.items[0]!.id}`, b.accessToken());
    expect(cross.status).toBe(404);
    await signIn(server, undefined, { installId });
    await expect(signIn(server, undefined, { installId })).rejects.toMatchObject({
      code: 'device_account_limit',
    });
    // a signs in on a second device and revokes the first session from there
    const a2 = await signIn(server, (await a.supabase.auth.getUser()).data.user!.email!, {
      installId: `other-${Date.now()}`,
    });
    expect((await a2.api.sessions()).items).toHaveLength(2);
    await a2.api.revokeSession(sessions.items[0]!.id);
    expect((await call(server, 'GET', '/api/me', a.accessToken())).status).toBe(401);
    const devices = await call(server, 'GET', '/api/devices', a2.accessToken());
    expect(devices.json.items.length).toBe(2);
  });
});
