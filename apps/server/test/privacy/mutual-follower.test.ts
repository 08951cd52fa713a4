import { randomUUID } from 'node:crypto';
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
} from '../harness.ts';
import {
  accountSecrets,
  assertLearnsNothing,
  findLinks,
  identityOf,
  type ProfileRef,
  probe,
  type Secret,
  type Transcript,
  unitsOf,
  type Victim,
} from './probe.ts';

/**
 * Threat: a mutual follower. The attacker and the victim's real persona follow each other and share followees;
 * the attacker knows the victim well and browses shadows hoping to recognise them. Shadows are visible to any
 * signed-in user here (no firewall applies), so the attacker may see the victim's shadow, but nothing may tie it
 * to the victim's real persona: no answer piece naming both, no follower count or list that moves or shows when
 * the shadow follows someone the attacker watches, no profile field or notification that carries the link.
 */
describe.each(dbTargets())('privacy: a mutual follower (%s)', (target) => {
  let server: TestServer;
  let attacker: TestUser;
  let victimUser: TestUser;
  let creator: TestUser;
  let creatorReal: ProfileRef;
  let attackerReal: ProfileRef;
  let victim: Victim;
  let realSide: Secret[];
  let shadowSide: Secret[];
  let seen: Transcript;
  let counts: { creatorBefore: number; creatorAfter: number; attackerBefore: number; attackerAfter: number };

  const followersOf = async (viewer: TestUser, handle: string) =>
    (await call(server, 'GET', `/api/profiles/${handle}`, viewer.accessToken())).json
      .followers_count as number;

  beforeAll(async () => {
    server = await startTestServer(target);
    creator = await signIn(server);
    await makeCreator(creator);
    creatorReal = (await identityOf(creator)).real;
    attacker = await signIn(server);
    await makeCreator(attacker);
    attackerReal = (await identityOf(attacker)).real;
    victimUser = await signIn(server);
    await victimUser.api.updateProfile({ display_name: `Vera${randomUUID().slice(0, 6)}` });
    const realPost = await (async () => {
      await makeCreator(victimUser);
      return victimUser.api.createPost({ body: `real post ${randomUUID()}`, visibility: 'public' });
    })();
    // Mutual followers with a shared followee.
    const v = await identityOf(victimUser);
    await victimUser.api.follow(attackerReal.id);
    await attacker.api.follow(v.real.id);
    await victimUser.api.follow(creatorReal.id);
    await attacker.api.follow(creatorReal.id);

    // The victim's shadow: its own name, a creator with a post.
    await switchTo(victimUser, 'shadow');
    await makeCreator(victimUser);
    await victimUser.api.updateProfile({ display_name: `Moth${randomUUID().slice(0, 6)}` });
    const shadowPost = await victimUser.api.createPost({
      body: `shadow post ${randomUUID()}`,
      visibility: 'public',
    });
    const id = await identityOf(victimUser);
    victim = {
      userId: victimUser.userId,
      email: id.email,
      real: id.real,
      shadow: id.shadow,
      hidden: [],
      postIds: [realPost.id, shadowPost.id],
    };
    realSide = [
      { label: 'real id', value: id.real.id },
      { label: 'real handle', value: id.real.handle },
      { label: 'real display name', value: id.real.display_name },
      { label: 'real post id', value: realPost.id },
    ];
    shadowSide = [
      { label: 'shadow id', value: id.shadow.id },
      { label: 'shadow handle', value: id.shadow.handle },
      { label: 'shadow display name', value: id.shadow.display_name },
      { label: 'shadow post id', value: shadowPost.id },
    ];

    // The attacker's shadow follows the victim's shadow too (trying to get closer).
    await switchTo(attacker, 'shadow');
    await attacker.api.follow(id.shadow.id);
    await switchTo(attacker, 'real');

    const creatorBefore = await followersOf(attacker, creatorReal.handle);
    const attackerBefore = await followersOf(attacker, attackerReal.handle);
    seen = await probe(server, { user: attacker, personas: ['real', 'shadow'] }, victim, {
      // Meanwhile the victim's shadow follows the creator the attacker watches, and the attacker, and posts.
      activity: async (persona) => {
        if (persona !== 'real') return undefined;
        await victimUser.api.follow(creatorReal.id);
        await victimUser.api.follow(attackerReal.id);
        await victimUser.api.createPost({ body: `shadow post ${randomUUID()}`, visibility: 'public' });
        return undefined;
      },
    });
    await switchTo(attacker, 'real');
    counts = {
      creatorBefore,
      creatorAfter: await followersOf(attacker, creatorReal.handle),
      attackerBefore,
      attackerAfter: await followersOf(attacker, attackerReal.handle),
    };
  });
  afterAll(() => server?.dispose());

  it('no answer or realtime event names the shadow and the real persona together', () => {
    expect(
      findLinks(seen, realSide, shadowSide).map((f) => `${f.persona} ${f.endpoint}: ${f.problem}`),
    ).toEqual([]);
  });

  it('the account behind the personas never shows (user id, email)', () => {
    assertLearnsNothing(seen, accountSecrets(victim));
  });

  it('the attacker did see both personas, separately (the probe is not vacuous)', () => {
    const names = (list: Secret[]) =>
      seen.entries.concat(seen.realtime).filter((e) => list.some((s) => e.text.includes(s.value)));
    expect(names(realSide).length).toBeGreaterThan(3);
    expect(names(shadowSide).length).toBeGreaterThan(3);
    // The shadow's follow reached the attacker live, as the shadow only.
    const live = seen.realtime.filter(
      (e) => e.endpoint === 'realtime:notification' && e.text.includes(victim.shadow.id),
    );
    expect(live.length).toBeGreaterThan(0);
  });

  it('follower counts do not move when the shadow follows a creator the attacker watches (or the attacker)', async () => {
    expect(counts.creatorAfter).toBe(counts.creatorBefore);
    expect(counts.attackerAfter).toBe(counts.attackerBefore);
    // Positive control: a real persona's follow does count, so the count is live.
    const fan = await signIn(server);
    await fan.api.follow(creatorReal.id);
    expect(await followersOf(attacker, creatorReal.handle)).toBe(counts.creatorBefore + 1);
  });

  it('profile fields carry no count or list of whom the shadow follows, and no shared timestamp', async () => {
    const shadowView = await call(
      server,
      'GET',
      `/api/profiles/${victim.shadow.handle}`,
      attacker.accessToken(),
    );
    const realView = await call(server, 'GET', `/api/profiles/${victim.real.handle}`, attacker.accessToken());
    expect(shadowView.status).toBe(200);
    expect(shadowView.json.followers_count).toBeNull();
    for (const view of [shadowView.json, realView.json]) {
      // Only the public count (null for shadows) and whether the viewer follows: no following, lists or mutuals.
      expect(
        Object.keys(view)
          .filter((k) => /follow|mutual/.test(k))
          .sort(),
      ).toEqual(['followers_count', 'is_following']);
    }
    // Creation times are days, so the two personas' sign-up instant cannot pair them.
    expect(shadowView.json.created_at).toMatch(/T00:00:00\.000Z$/);
    expect(realView.json.created_at).toMatch(/T00:00:00\.000Z$/);
    expect(victim.shadow.handle).not.toContain(victim.real.handle.replace(/^u_/, ''));
  });

  it('no endpoint lists followers, following or mutuals, and follow rows show only their two ends', async () => {
    const spec = await call(server, 'GET', '/openapi.json');
    expect(Object.keys(spec.json.paths).filter((p) => /follower|following|mutual/.test(p))).toEqual([]);
    for (const persona of ['real', 'shadow'] as const) {
      await switchTo(attacker, persona);
      const me = claimsOf(attacker).persona_id!;
      const rows = await server.db.asUser(claimsOf(attacker), (tx) =>
        tx.query<{ follower_id: string; followee_id: string }>(
          'select follower_id, followee_id from public.follows where followee_id = any($1::uuid[]) or follower_id = any($1::uuid[])',
          [[creatorReal.id, victim.shadow.id, victim.real.id, attackerReal.id]],
        ),
      );
      for (const r of rows.rows) expect([r.follower_id, r.followee_id]).toContain(me);
    }
    await switchTo(attacker, 'real');
  });

  it('the link check itself fails on a piece naming both personas', () => {
    const forged: Transcript = {
      ...seen,
      entries: [
        {
          persona: 'real',
          endpoint: 'forged',
          status: 200,
          text: JSON.stringify({ items: [{ id: victim.real.id, shadow: victim.shadow.handle }] }),
        },
      ],
      realtime: [],
    };
    expect(findLinks(forged, realSide, shadowSide).map((f) => f.endpoint)).toEqual(['forged']);
    expect(unitsOf('{"items":[{"a":1},{"b":2}],"next":null}')).toEqual([
      '{"a":1}',
      '{"b":2}',
      '{"next":null}',
    ]);
  });
});
