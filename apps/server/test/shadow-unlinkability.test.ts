import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  call,
  claimsOf,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from './harness.ts';

/**
 * The attacker (a second account, also a creator the victim follows with both personas) tries every read
 * path to tie the victim's shadow persona to their real one. It must learn nothing beyond public fields.
 */
describe.each(dbTargets())('a shadow persona cannot be tied to its real user (%s)', (target) => {
  let server: TestServer;
  let victim: TestUser;
  let attacker: TestUser;
  let victimEmail: string;
  let real: { id: string; handle: string };
  let shadow: { id: string; handle: string };
  let attackerProfileId: string;
  const seen: string[] = [];

  const record = (label: string, body: string) => {
    seen.push(`${label}\n${body}`);
    return body;
  };

  beforeAll(async () => {
    server = await startTestServer(target);
    victimEmail = `victim.${Date.now()}@example.com`;
    victim = await signIn(server, victimEmail, { installId: `victim-phone-${Date.now()}` });
    const me = await victim.api.me();
    real = me.real_profile!;
    shadow = me.shadow_profile!;
    attacker = await signIn(server);
    await makeCreator(attacker);
    attackerProfileId = (await attacker.api.me()).real_profile!.id;
    await attacker.api.createPost({ body: 'hello fans' });
    // The victim follows and reports the attacker from both personas.
    await victim.api.follow(attackerProfileId);
    await switchTo(victim, 'shadow');
    await victim.api.updateProfile({ handle: `moth_${Date.now().toString(36)}`, display_name: 'Moth' });
    shadow = (await victim.api.me()).shadow_profile!;
    await victim.api.follow(attackerProfileId);
    await victim.api.report({ target_type: 'profile', target_id: attackerProfileId, reason: 'spam' });
  });
  afterAll(() => server?.dispose());

  it('profile endpoints expose no shared identifier between the two personas', async () => {
    for (const token of [attacker.accessToken(), null]) {
      const s = record(
        'shadow profile',
        (await call(server, 'GET', `/api/profiles/${shadow.handle}`, token)).text,
      );
      const r = record(
        'real profile',
        (await call(server, 'GET', `/api/profiles/${real.handle}`, token)).text,
      );
      for (const leak of [real.id, real.handle, victim.userId, victimEmail]) expect(s).not.toContain(leak);
      for (const leak of [shadow.id, shadow.handle, victim.userId, victimEmail])
        expect(r).not.toContain(leak);
      const sp = JSON.parse(s);
      const rp = JSON.parse(r);
      if (token === null) {
        // Anonymous visitors never see a shadow persona at all.
        expect(sp.error.code).toBe('not_found');
      } else {
        expect(sp.followers_count).toBeNull(); // a shadow's audience is never counted publicly
        expect(sp.created_at).toBe(`${rp.created_at.slice(0, 10)}T00:00:00.000Z`);
      }
      record('shadow posts', (await call(server, 'GET', `/api/profiles/${shadow.handle}/posts`, token)).text);
      record('creators', (await call(server, 'GET', '/api/creators?limit=50', token)).text);
    }
  });

  it("the creator's notifications and follower rows show two unrelated followers", async () => {
    const notes = record('attacker notifications', JSON.stringify(await attacker.api.notifications()));
    expect(notes).toContain(real.id);
    expect(notes).toContain(shadow.id);
    expect(notes).not.toContain(victim.userId);
    const claims = claimsOf(attacker.accessToken());
    const follows = await server.db.asUser(claims, (tx) =>
      tx.query('select * from follows where followee_id = $1', [attackerProfileId]),
    );
    record('attacker follows rows', JSON.stringify(follows.rows));
    expect(Object.keys(follows.rows[0] as object).sort()).toEqual([
      'created_at',
      'followee_id',
      'follower_id',
    ]);
  });

  it('link tables, auth tables and devices are out of reach', async () => {
    const claims = claimsOf(attacker.accessToken());
    const tries = [
      'select * from persona_links',
      'select * from session_state',
      'select * from devices',
      'select * from accounts',
      'select * from reports',
    ];
    for (const sql of tries) {
      const res = await server.db.asUser(claims, (tx) => tx.query(sql));
      record(sql, JSON.stringify(res.rows));
      expect(JSON.stringify(res.rows)).not.toContain(victim.userId);
      expect(JSON.stringify(res.rows)).not.toContain(shadow.id);
    }
    for (const sql of [
      'select * from auth.users',
      'select * from auth.sessions',
      'select * from auth.refresh_tokens',
    ]) {
      await expect(server.db.asUser(claims, (tx) => tx.query(sql))).rejects.toMatchObject({ code: '42501' });
    }
    const cols = await server.db.driver.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_schema = 'public' and table_name = 'profiles'`,
    );
    expect(cols.rows.map((c) => c.column_name)).not.toContain('user_id');
  });

  it('error messages do not distinguish the victim’s personas from strangers', async () => {
    const a = await call(server, 'GET', `/api/posts/${shadow.id}`, attacker.accessToken());
    const b = await call(server, 'GET', `/api/posts/${crypto.randomUUID()}`, attacker.accessToken());
    expect(a.status).toBe(b.status);
    expect(a.json.error.message).toBe(b.json.error.message);
    const sess = await call(
      server,
      'DELETE',
      `/api/sessions/${claimsOf(victim.accessToken()).session_id}`,
      attacker.accessToken(),
    );
    expect(sess.status).toBe(404);
    record('errors', a.text + sess.text);
  });

  it('realtime payloads to the creator name only the acting persona', async () => {
    const token = attacker.accessToken();
    const messages: string[] = [];
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/realtime/v1/websocket`);
    ws.on('message', (m) => messages.push(m.toString()));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'auth', access_token: token }));
    for (let i = 0; i < 100 && !messages.some((m) => m.includes('"ready"')); i++)
      await new Promise((r) => setTimeout(r, 20));
    await victim.api.unfollow(attackerProfileId);
    await victim.api.follow(attackerProfileId); // as the shadow persona
    for (let i = 0; i < 100 && !messages.some((m) => m.includes('new_follower')); i++)
      await new Promise((r) => setTimeout(r, 50));
    ws.close();
    const payload = messages.find((m) => m.includes('new_follower'))!;
    record('realtime', payload);
    expect(payload).toContain(shadow.id);
    for (const leak of [real.id, real.handle, victim.userId, victimEmail])
      expect(payload).not.toContain(leak);
  });

  it('nothing the attacker saw anywhere contains the victim’s user id or email', () => {
    const all = seen.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(victim.userId);
    expect(all).not.toContain(victimEmail);
  });
});
