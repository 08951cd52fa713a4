import { contactHash, hashContacts, MAX_CONTACT_HASHES } from '@ipelya/contracts';
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
  type TestUser,
  uniqueEmail,
} from '../../test/harness.ts';
import type { DomainError } from '../errors.ts';
import { contactsStatus } from './contacts.service.ts';
import { networkPrefix } from './network-prefix.ts';
import { SocialFirewall } from './social-firewall.ts';

describe('networkPrefix', () => {
  it('groups IPv4 by /24 and IPv6 by /64; loopback identifies no network', () => {
    expect(networkPrefix('203.0.113.5')).toBe('v4:203.0.113.0/24');
    expect(networkPrefix('203.0.113.250')).toBe(networkPrefix('203.0.113.5'));
    expect(networkPrefix('203.0.114.5')).not.toBe(networkPrefix('203.0.113.5'));
    expect(networkPrefix('::ffff:203.0.113.9')).toBe('v4:203.0.113.0/24');
    expect(networkPrefix('2001:db8:aa:bb:1::2')).toBe('v6:2001:db8:aa:bb::/64');
    expect(networkPrefix('2001:0db8:00aa:00bb:ffff:ffff:ffff:ffff')).toBe('v6:2001:db8:aa:bb::/64');
    expect(networkPrefix('2001:db8:aa:bc::1')).not.toBe(networkPrefix('2001:db8:aa:bb::1'));
    expect(networkPrefix('fe80::1%eth0')).toBe('v6:fe80:0:0:0::/64');
    for (const none of ['127.0.0.1', '::1', '::', '0.0.0.0', 'not-an-ip', '', null]) {
      expect(networkPrefix(none)).toBeNull();
    }
  });
});

describe.each(dbTargets())('social firewall (%s)', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target, { FIREWALL_NETWORK_WINDOW_HOURS: '2' });
  });
  afterAll(() => server?.dispose());

  const profileStatus = async (viewer: TestUser, handle: string) =>
    (await call(server, 'GET', `/api/profiles/${handle}`, viewer.accessToken())).status;
  const shadowOf = async (u: TestUser) => (await u.api.me()).shadow_profile!;
  const realOf = async (u: TestUser) => (await u.api.me()).real_profile!;
  async function uploadEmails(u: TestUser, emails: string[], replace = false) {
    const status = await u.api.contactsStatus();
    return u.api.uploadContacts({ hashes: hashContacts(status.hash_key, { emails }), replace });
  }
  /** A shadow creator with one published public post, signed in as the shadow persona. */
  async function shadowCreator(email = uniqueEmail('shadow'), opts: { ip?: string } = {}) {
    const u = await signIn(server, email, opts);
    await switchTo(u, 'shadow');
    await makeCreator(u);
    const post = await u.api.createPost({ body: 'from the shadows', visibility: 'public' });
    return { u, email, post, shadow: await shadowOf(u) };
  }

  it('contacts: the key to hash with, validated uploads keyed again, a limit, replace and delete', async () => {
    const u = await signIn(server);
    const status = await u.api.contactsStatus();
    expect(status).toMatchObject({ enabled: false, count: 0 });
    expect(status.hash_key.length).toBeGreaterThanOrEqual(32);

    const bad = await call(server, 'PUT', '/api/contacts', u.accessToken(), {
      hashes: [{ kind: 'email', hash: 'friend@example.com' }],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.error.details)).toContain('hashes');
    const wrongKind = await call(server, 'PUT', '/api/contacts', u.accessToken(), {
      hashes: [{ kind: 'address', hash: 'a'.repeat(64) }],
    });
    expect(wrongKind.status).toBe(400);
    const tooMany = await call(server, 'PUT', '/api/contacts', u.accessToken(), {
      hashes: Array.from({ length: 5001 }, (_, i) => ({
        kind: 'phone',
        hash: i.toString(16).padStart(64, '0'),
      })),
    });
    expect(tooMany.status).toBe(400);

    const book = {
      emails: ['Friend@Example.com', 'friend@example.com ', 'not an email'],
      phones: ['+90 555 123 45 67'],
    };
    const hashes = hashContacts(status.hash_key, book);
    expect(hashes).toHaveLength(2); // duplicates collapse, invalid entries drop
    const stored = await u.api.uploadContacts({ hashes });
    expect(stored).toMatchObject({ enabled: true, count: 2 });
    // What the server keeps is keyed again: neither the address nor the app's hash is in the database.
    const { rows } = await server.db.driver.query<{ hash: string }>(
      'select hash from public.contact_hashes where user_id = $1',
      [u.userId],
    );
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(hashes.map((h) => h.hash)).not.toContain(r.hash);
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    // Uploading the same again adds nothing; replace swaps the set.
    expect((await u.api.uploadContacts({ hashes })).count).toBe(2);
    const replaced = await uploadEmails(u, ['other@example.com'], true);
    expect(replaced.count).toBe(1);

    // The total is capped, all or nothing.
    const filler = (start: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        kind: 'phone' as const,
        hash: (start + i).toString(16).padStart(64, '0'),
      }));
    for (let start = 0; start < MAX_CONTACT_HASHES - 1; start += 5000) {
      await u.api.uploadContacts({ hashes: filler(start, Math.min(5000, MAX_CONTACT_HASHES - 1 - start)) });
    }
    expect((await u.api.contactsStatus()).count).toBe(MAX_CONTACT_HASHES);
    const over = await call(server, 'PUT', '/api/contacts', u.accessToken(), { hashes: filler(900_000, 2) });
    expect(over.status).toBe(400);
    expect(over.json.error.code).toBe('limit_exceeded');
    expect((await u.api.contactsStatus()).count).toBe(MAX_CONTACT_HASHES);

    const cleared = await u.api.deleteContacts();
    expect(cleared).toMatchObject({ enabled: false, count: 0 });
    const left = await server.db.driver.query('select 1 from public.contact_hashes where user_id = $1', [
      u.userId,
    ]);
    expect(left.rows).toHaveLength(0);
  });

  it('the people in your contacts never see your shadow, anywhere; you still see theirs (your choice only)', async () => {
    const victim = await shadowCreator();
    const contact = await shadowCreator();
    const stranger = await signIn(server);
    await switchTo(stranger, 'shadow');
    // Before: everyone sees both shadows, and the two already talk.
    expect(await profileStatus(contact.u, victim.shadow.handle)).toBe(200);
    const conv = await contact.u.api.startConversation(victim.shadow.id);
    await contact.u.api.sendMessage(conv.id, { body: 'hello' });
    await contact.u.api.follow(victim.shadow.id);
    expect((await victim.u.api.notifications()).items.map((n) => n.actor?.id)).toContain(contact.shadow.id);

    // The victim uploads an address book holding the contact's email (as typed in a phone: mixed case).
    await uploadEmails(victim.u, [contact.email.toUpperCase()]);

    const token = contact.u.accessToken();
    expect(await profileStatus(contact.u, victim.shadow.handle)).toBe(404);
    const posts = await call(server, 'GET', `/api/profiles/${victim.shadow.handle}/posts`, token);
    expect(posts.status).toBe(404);
    expect((await call(server, 'GET', `/api/posts/${victim.post.id}`, token)).status).toBe(404);
    const search = await contact.u.api.searchProfiles(victim.shadow.handle.slice(0, 6));
    expect(search.items.map((p) => p.id)).not.toContain(victim.shadow.id);
    expect(JSON.stringify(await contact.u.api.feed())).not.toContain(victim.post.id);
    const convs = JSON.stringify(await contact.u.api.conversations());
    expect(convs).not.toContain(conv.id);
    expect(convs).not.toContain(victim.shadow.id);
    expect((await call(server, 'GET', `/api/conversations/${conv.id}`, token)).status).toBe(404);
    expect((await call(server, 'GET', `/api/conversations/${conv.id}/messages`, token)).status).toBe(404);
    for (const path of [`/api/conversations/${conv.id}/messages`, `/api/conversations/${conv.id}/read`]) {
      const r = await call(server, 'POST', path, token, { body: 'hi?' });
      expect(r.status).toBe(404);
    }
    const start = await call(server, 'POST', '/api/conversations', token, { profile_id: victim.shadow.id });
    expect(start.status).toBe(404);
    // Indistinguishable from a profile that does not exist.
    const missing = await call(server, 'POST', '/api/conversations', token, {
      profile_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(start.json.error).toEqual({ ...missing.json.error, request_id: start.json.error.request_id });
    expect((await call(server, 'PUT', `/api/follows/${victim.shadow.id}`, token)).status).toBe(404);

    // The uploader's own view does not move (no reverse test): the contact's shadow, the conversation.
    expect(await profileStatus(victim.u, contact.shadow.handle)).toBe(200);
    expect(JSON.stringify(await victim.u.api.conversations())).toContain(conv.id);
    expect((await call(server, 'GET', `/api/posts/${contact.post.id}`, victim.u.accessToken())).status).toBe(
      200,
    );
    // Notifications from a persona the victim can see stay.
    expect(JSON.stringify(await victim.u.api.notifications())).toContain(contact.shadow.id);
    // Real personas are public and stay visible; strangers still see both shadows.
    expect(await profileStatus(contact.u, (await realOf(victim.u)).handle)).toBe(200);
    expect(await profileStatus(stranger, victim.shadow.handle)).toBe(200);
    expect(await profileStatus(stranger, contact.shadow.handle)).toBe(200);

    // Deleting the hashes lifts the wall.
    await victim.u.api.deleteContacts();
    expect(await profileStatus(contact.u, victim.shadow.handle)).toBe(200);
    expect(JSON.stringify(await contact.u.api.conversations())).toContain(conv.id);
  });

  it('matches a verified phone number however the address book writes it; only the uploader hides', async () => {
    const national = `555${String(Date.now()).slice(-7)}`;
    const phoneUser = await signIn(server, undefined, { phone: `+90${national}` });
    await switchTo(phoneUser, 'shadow');
    const phoneShadow = await shadowOf(phoneUser);
    const friend = await signIn(server);
    await switchTo(friend, 'shadow');
    const friendShadow = await shadowOf(friend);
    expect(await profileStatus(friend, phoneShadow.handle)).toBe(200);
    expect(await profileStatus(phoneUser, friendShadow.handle)).toBe(200);
    const { hash_key } = await friend.api.contactsStatus();
    // "0555 …" as saved in a Turkish phone, normalised on the device with the region as default country.
    const hashes = hashContacts(
      hash_key,
      { phones: [`0${national.slice(0, 3)} ${national.slice(3)}`] },
      'TR',
    );
    expect(hashes).toEqual([{ kind: 'phone', hash: contactHash(hash_key, 'phone', `+90${national}`) }]);
    await friend.api.uploadContacts({ hashes });
    // The friend hid its shadow from the number's owner; what the friend sees is unchanged.
    expect(await profileStatus(phoneUser, friendShadow.handle)).toBe(404);
    expect(await profileStatus(friend, phoneShadow.handle)).toBe(200);
  });

  it('a shared network only keeps strangers from being suggested, after the delay, and expires', async () => {
    const a = await shadowCreator(undefined, { ip: '203.0.113.5' });
    const b = await shadowCreator(undefined, { ip: '203.0.113.77' });
    const elsewhere = await shadowCreator(undefined, { ip: '198.51.100.4' });
    const v6a = await shadowCreator(undefined, { ip: '2001:db8:1:2:aaaa::1' });
    const v6b = await shadowCreator(undefined, { ip: '2001:db8:1:2:bbbb::9' });
    const isolates = (viewer: TestUser, target: string) =>
      server.db.asUser(claimsOf(viewer), async (tx) => {
        const { rows } = await tx.query<{ v: boolean }>('select public.is_network_isolated($1) as v', [
          target,
        ]);
        return rows[0]!.v;
      });
    const makeEffective = (users: TestUser[]) =>
      server.db.driver.query(
        `update public.network_sightings set effective_at = now() - interval '1 second' where user_id = any($1::uuid[])`,
        [users.map((u) => u.userId)],
      );
    // Never on direct reads: profiles, posts and the feed answer as for anyone.
    for (const [viewer, target] of [
      [a, b],
      [b, a],
      [v6a, v6b],
    ] as const) {
      expect(await profileStatus(viewer.u, target.shadow.handle)).toBe(200);
      expect(await isolates(viewer.u, target.shadow.id)).toBe(false); // not yet: the delay
    }
    // Stored: keyed fingerprints that take effect after the delay (24 h by default) and expire after the window.
    const { rows } = await server.db.driver.query<{
      fingerprint: string;
      expires_at: Date;
      effective_at: Date;
    }>(
      'select fingerprint, expires_at, effective_at from public.network_sightings where user_id = any($1::uuid[])',
      [[a.u.userId, b.u.userId]],
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]!.fingerprint).toBe(rows[1]!.fingerprint);
    expect(JSON.stringify(rows)).not.toMatch(/203\.0\.113/);
    for (const r of rows) {
      const hours = (new Date(r.expires_at).getTime() - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(1.9);
      expect(hours).toBeLessThanOrEqual(2.01);
      const delay = (new Date(r.effective_at).getTime() - Date.now()) / 3_600_000;
      expect(delay).toBeGreaterThan(23.9);
    }
    // After the delay, strangers on one network are not suggested to each other; other networks are.
    await makeEffective([a.u, b.u, v6a.u, v6b.u]);
    expect(await isolates(a.u, b.shadow.id)).toBe(true);
    expect(await isolates(b.u, a.shadow.id)).toBe(true);
    expect(await isolates(v6a.u, v6b.shadow.id)).toBe(true);
    expect(await isolates(a.u, elsewhere.shadow.id)).toBe(false);
    expect(await isolates(a.u, v6a.shadow.id)).toBe(false);
    expect(await profileStatus(a.u, b.shadow.handle)).toBe(200);
    // A persona already reached (a follow either way, a conversation) is never isolated.
    await a.u.api.follow(b.shadow.id);
    expect(await isolates(a.u, b.shadow.id)).toBe(false);
    expect(await isolates(b.u, a.shadow.id)).toBe(false);
    await v6b.u.api.startConversation(v6a.shadow.id);
    expect(await isolates(v6a.u, v6b.shadow.id)).toBe(false);
    // Re-seen while still valid: the effective time stays; the window passed: the cleaner removes them.
    await server.db.driver.query(
      `update public.network_sightings set expires_at = now() - interval '1 second' where user_id = any($1::uuid[])`,
      [[a.u.userId, b.u.userId]],
    );
    const purged = await server.db.driver.query<{ n: number }>(
      `select public.purge_expired_network_sightings(now(), 1000) as n`,
    );
    expect(Number(purged.rows[0]!.n)).toBeGreaterThanOrEqual(2);
    const after = await server.db.driver.query('select 1 from public.network_sightings where user_id = $1', [
      a.u.userId,
    ]);
    expect(after.rows).toHaveLength(0);
  });

  it('takes the address the trusted proxy saw, not one the client claims', async () => {
    await shadowCreator(undefined, { ip: '192.0.2.10' });
    // The client prepends a fake address; the trusted proxy (1 hop) appended the real one.
    const sneaky = await shadowCreator(undefined, { ip: '198.18.0.1, 192.0.2.99' });
    const { rows } = await server.db.driver.query<{ n: number }>(
      `select count(distinct s.user_id)::int as n from public.network_sightings s
        join public.network_sightings mine on mine.fingerprint = s.fingerprint and mine.user_id = $1`,
      [sneaky.u.userId],
    );
    expect(rows[0]!.n).toBe(2);
  });

  it('hidden mutuals: nothing counts or lists who a shadow follows or who follows it', async () => {
    const creator = await signIn(server);
    await makeCreator(creator);
    const creatorReal = await realOf(creator);
    const fanShadow = await signIn(server);
    await switchTo(fanShadow, 'shadow');
    const fanReal = await signIn(server);
    const before = await call(server, 'GET', `/api/profiles/${creatorReal.handle}`, fanReal.accessToken());
    await fanShadow.api.follow(creatorReal.id);
    await fanReal.api.follow(creatorReal.id);
    const after = await call(server, 'GET', `/api/profiles/${creatorReal.handle}`, fanReal.accessToken());
    // The real follower counts; the shadow one does not, so the count cannot reveal it.
    expect(after.json.followers_count).toBe(before.json.followers_count + 1);

    const shadowCreatorUser = await shadowCreator();
    await fanShadow.api.follow(shadowCreatorUser.shadow.id);
    const third = await signIn(server);
    await switchTo(third, 'shadow');
    const view = await call(
      server,
      'GET',
      `/api/profiles/${shadowCreatorUser.shadow.handle}`,
      third.accessToken(),
    );
    expect(view.json.followers_count).toBeNull();
    expect(view.json.is_following).toBe(false);
    const fanView = await call(
      server,
      'GET',
      `/api/profiles/${(await shadowOf(fanShadow)).handle}`,
      third.accessToken(),
    );
    expect(Object.keys(fanView.json)).not.toEqual(expect.arrayContaining(['following_count']));
    expect(fanView.json.followers_count).toBeNull();
    // The follow edges are readable only by their two ends.
    const rows = await server.db.asUser(claimsOf(third), (tx) =>
      tx.query('select * from public.follows where follower_id = $1 or followee_id = $2', [
        (claimsOf(fanShadow).persona_id as string) ?? '',
        shadowCreatorUser.shadow.id,
      ]),
    );
    expect(rows.rows).toHaveLength(0);
    const spec = await call(server, 'GET', '/openapi.json');
    const paths = Object.keys(spec.json.paths);
    expect(paths.filter((p) => /follower|following|mutual/.test(p))).toEqual([]);
  });

  it('blocks: per-persona list, block and unblock, and the blocked persona stops seeing you', async () => {
    const me = await shadowCreator();
    const pest = await signIn(server);
    await switchTo(pest, 'shadow');
    const pestShadow = await shadowOf(pest);
    const self = await call(server, 'POST', '/api/blocks', me.u.accessToken(), { profile_id: me.shadow.id });
    expect(self.status).toBe(400);
    const ghost = await call(server, 'POST', '/api/blocks', me.u.accessToken(), {
      profile_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(ghost.status).toBe(404);

    const blocked = await me.u.api.block(pestShadow.id);
    expect(blocked.profile).toMatchObject({ id: pestShadow.id, kind: 'shadow', handle: pestShadow.handle });
    await me.u.api.block(pestShadow.id); // again: no-op
    expect((await me.u.api.blocks()).items.map((b) => b.profile.id)).toEqual([pestShadow.id]);
    expect(await profileStatus(pest, me.shadow.handle)).toBe(404);
    expect((await call(server, 'GET', `/api/posts/${me.post.id}`, pest.accessToken())).status).toBe(404);
    expect((await pest.api.searchProfiles(me.shadow.handle)).items).toEqual([]);

    // The real persona has its own (empty) list.
    await switchTo(me.u, 'real');
    expect((await me.u.api.blocks()).items).toEqual([]);
    await switchTo(me.u, 'shadow');

    await me.u.api.unblock(pestShadow.id);
    expect((await call(server, 'DELETE', `/api/blocks/${pestShadow.id}`, me.u.accessToken())).status).toBe(
      404,
    );
    expect((await me.u.api.blocks()).items).toEqual([]);
    expect(await profileStatus(pest, me.shadow.handle)).toBe(200);
  });

  it('search finds personas of your own kind only, by handle or name prefix', async () => {
    const seeker = await signIn(server);
    const target = await signIn(server);
    const real = await realOf(target);
    const shadow = await shadowOf(target);
    expect((await seeker.api.searchProfiles(real.handle)).items.map((p) => p.id)).toEqual([real.id]);
    expect((await seeker.api.searchProfiles(shadow.handle)).items).toEqual([]);
    await switchTo(seeker, 'shadow');
    expect((await seeker.api.searchProfiles(shadow.handle)).items.map((p) => p.id)).toEqual([shadow.id]);
    expect((await seeker.api.searchProfiles(real.handle)).items).toEqual([]);
    // LIKE wildcards are literal.
    expect((await seeker.api.searchProfiles('%%')).items).toEqual([]);
    const short = await call(server, 'GET', '/api/search/profiles?q=a', seeker.accessToken());
    expect(short.status).toBe(400);
    expect((await call(server, 'GET', `/api/search/profiles?q=${shadow.handle}`)).status).toBe(401);
  });

  it('without a secret the contacts endpoints say not configured and nothing is recorded', async () => {
    const off = new SocialFirewall(server.db, { secret: undefined, networkWindowHours: 1 });
    const u = await signIn(server);
    await expect(contactsStatus(server.db, off, claimsOf(u))).rejects.toMatchObject({
      kind: 'not_configured',
      code: 'firewall_not_configured',
    } satisfies Partial<DomainError>);
    await off.observe(claimsOf(u), '203.0.113.1');
    const { rows } = await server.db.driver.query(
      'select 1 from public.network_sightings where user_id = $1',
      [u.userId],
    );
    expect(rows).toHaveLength(0);
  });
});
