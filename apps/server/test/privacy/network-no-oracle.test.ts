import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../../src/storage/media.fixture.ts';
import { dbTargets, signIn, startTestServer, switchTo, type TestServer, type TestUser } from '../harness.ts';
import {
  endpointsThatSaw,
  probe,
  type Secret,
  seenOn,
  shadowCreatorVictim,
  shadowSecrets,
  type Victim,
  visibilityOf,
} from './probe.ts';

/**
 * Threat: joining a network as a test. The attacker knows a shadow and wants to know whether its owner sits on
 * a given network (an office, a flat): it sends one request from the victim's /24 and watches what changes. A
 * shared network only keeps strangers from being suggested to each other (similar creators), only after the
 * delay, and never for a persona the viewer already reached — so nothing observable changes, immediately or
 * later, and a stranger on the network sees exactly what a stranger elsewhere sees (decision 014).
 */
describe.each(dbTargets())('privacy: joining a network is no test (%s)', (target) => {
  const VICTIM_IP = '203.0.113.10';
  const ATTACKER_ELSEWHERE = '198.51.100.7';
  const ATTACKER_SAME_NET = '203.0.113.201';
  let server: TestServer;
  let v: Awaited<ReturnType<typeof shadowCreatorVictim>>;
  let attacker: TestUser;
  let victim: Victim;
  let secrets: Secret[];
  const png = makePng(8, 8);

  const makeEffective = () =>
    server.db.driver.query(`update public.network_sightings set effective_at = now() - interval '1 second'`);

  beforeAll(async () => {
    server = await startTestServer(target);
    v = await shadowCreatorVictim(server, png, { ip: VICTIM_IP });
    attacker = await signIn(server, undefined, { ip: ATTACKER_ELSEWHERE });
    await switchTo(attacker, 'shadow');
    await attacker.api.follow(v.shadow.id);
    const conv = (await attacker.api.startConversation(v.shadow.id)).id;
    await attacker.api.sendMessage(conv, { body: 'hey moth' });
    const reply = await v.user.api.sendMessage(conv, { body: 'old secret reply' });
    victim = {
      userId: v.user.userId,
      real: v.real,
      shadow: v.shadow,
      hidden: [],
      postIds: [v.post.id],
      mediaIds: [v.media.id],
      conversationIds: [conv],
      messageIds: [reply.id],
      tierIds: [v.tier.id],
      cursors: [reply.cursor],
    };
    secrets = [
      ...shadowSecrets(victim),
      { label: 'post body', value: v.postBody },
      { label: 'tier name', value: v.tier.name },
      { label: 'old reply', value: 'old secret reply' },
    ];
  });
  afterAll(() => server?.dispose());

  const look = async (u: TestUser, ip: string) =>
    visibilityOf(
      await probe(server, { user: u, ip, personas: ['shadow'] }, victim, { control: true }),
      secrets,
    );

  it('one request from the victim’s /24 changes nothing the attacker sees, now or after the delay', async () => {
    const before = await look(attacker, ATTACKER_ELSEWHERE);
    await seenOn(server, attacker, ATTACKER_SAME_NET);
    expect(await look(attacker, ATTACKER_SAME_NET)).toEqual(before);
    // Even once the sightings count: the attacker already reached the shadow (a follow, a conversation).
    await makeEffective();
    expect(await look(attacker, ATTACKER_SAME_NET)).toEqual(before);
    const seen = await probe(
      server,
      { user: attacker, ip: ATTACKER_SAME_NET, personas: ['shadow'] },
      victim,
      {
        control: true,
      },
    );
    expect(endpointsThatSaw(seen, secrets)).toEqual(
      expect.arrayContaining([
        'GET /api/profiles/{handle}',
        'GET /api/posts/{id}',
        'GET /api/conversations/{id}',
      ]),
    );
  }, 240_000);

  it('a stranger on the victim’s network sees what a stranger elsewhere sees (only suggestions differ)', async () => {
    const strangerHere = await signIn(server, undefined, { ip: '203.0.113.99' });
    const strangerThere = await signIn(server, undefined, { ip: '192.0.2.50' });
    await switchTo(strangerHere, 'shadow');
    await switchTo(strangerThere, 'shadow');
    await makeEffective();
    const stranger: Victim = { ...victim, conversationIds: [], messageIds: [], cursors: [] };
    const view = async (u: TestUser, ip: string) =>
      visibilityOf(
        await probe(server, { user: u, ip, personas: ['shadow'] }, stranger, { control: true }),
        secrets,
      );
    expect(await view(strangerHere, '203.0.113.99')).toEqual(await view(strangerThere, '192.0.2.50'));
    // Suggestions: the stranger on the network is not offered the shadow (the predicate similar_creators uses).
    const isolated = await server.db.asUser(
      JSON.parse(Buffer.from(strangerHere.accessToken().split('.')[1]!, 'base64url').toString()),
      async (tx) =>
        (await tx.query<{ v: boolean }>('select public.is_network_isolated($1) as v', [v.shadow.id])).rows[0]!
          .v,
    );
    expect(isolated).toBe(true);
  }, 240_000);
});
