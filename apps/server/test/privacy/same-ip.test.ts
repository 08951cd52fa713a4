import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../../src/storage/media.fixture.ts';
import { dbTargets, signIn, startTestServer, switchTo, type TestServer, type TestUser } from '../harness.ts';
import {
  assertEndpointsLearnNothing,
  assertLearnsNothing,
  endpointsThatSaw,
  findLeaks,
  probe,
  type Secret,
  STALE_URL,
  seenOn,
  shadowCreatorVictim,
  shadowSecrets,
  type Transcript,
  type Victim,
  victimActs,
} from './probe.ts';

/**
 * Threat: someone on the victim's network (a flatmate on the same Wi-Fi, a colleague behind the office NAT).
 * Users seen on the same IPv4 /24 or IPv6 /64 within the window never see each other's shadow persona. The
 * attacker here knew the shadow from elsewhere first (followed it, chatted, fetched its media), then joined the
 * victim's network: from then on every endpoint must answer as if the shadow did not exist.
 */
describe.each(dbTargets())('privacy: an attacker on the same network (%s)', (target) => {
  let server: TestServer;
  const png = makePng(8, 8);

  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  describe('IPv4: same /24', () => {
    const VICTIM_IP = '203.0.113.10';
    const ATTACKER_ELSEWHERE = '198.51.100.7';
    const ATTACKER_SAME_NET = '203.0.113.201';
    const CONTROL_IP = '192.0.2.50';
    let v: Awaited<ReturnType<typeof shadowCreatorVictim>>;
    let attacker: TestUser;
    let control: TestUser;
    let victim: Victim;
    let secrets: Secret[];
    let attackerConv: string;
    let controlConv: string;
    let seen: Transcript;
    let controlSeen: Transcript;

    beforeAll(async () => {
      v = await shadowCreatorVictim(server, png, { ip: VICTIM_IP });
      // The attacker meets the shadow from another network first: follows it, chats, fetches its media.
      attacker = await signIn(server, undefined, { ip: ATTACKER_ELSEWHERE });
      await switchTo(attacker, 'shadow');
      await attacker.api.follow(v.shadow.id);
      attackerConv = (await attacker.api.startConversation(v.shadow.id)).id;
      await attacker.api.sendMessage(attackerConv, { body: 'hey moth' });
      const reply = await v.user.api.sendMessage(attackerConv, { body: 'old secret reply' });
      const url = await attacker.api.mediaUrl(v.media.id);
      control = await signIn(server, undefined, { ip: CONTROL_IP });
      await switchTo(control, 'shadow');
      await control.api.follow(v.shadow.id);
      controlConv = (await control.api.startConversation(v.shadow.id)).id;
      await control.api.sendMessage(controlConv, { body: 'hi from the control' });
      await v.user.api.sendMessage(controlConv, { body: 'control reply' });
      // Now the attacker joins the victim's network.
      await seenOn(server, attacker, ATTACKER_SAME_NET);
      victim = {
        userId: v.user.userId,
        email: v.email,
        real: v.real,
        shadow: v.shadow,
        hidden: ['shadow'],
        postIds: [v.post.id],
        mediaIds: [v.media.id],
        conversationIds: [attackerConv],
        messageIds: [reply.id],
        tierIds: [v.tier.id],
        cursors: [reply.cursor],
        signedUrls: [url.url],
      };
      secrets = [
        ...shadowSecrets(victim),
        { label: 'shadow post body', value: v.postBody },
        { label: 'shadow tier name', value: v.tier.name },
        { label: 'old reply', value: 'old secret reply' },
        { label: 'shadow media id', value: v.media.id },
      ];
      const activity = (tag: string) => () =>
        victimActs(server, v.user, { conversations: [attackerConv, controlConv], tag, post: true });
      seen = await probe(
        server,
        { user: attacker, ip: ATTACKER_SAME_NET, personas: ['shadow', 'real'] },
        victim,
        { activity: activity('same-net') },
      );
      controlSeen = await probe(server, { user: control, ip: CONTROL_IP, personas: ['shadow'] }, victim, {
        control: true,
        activity: activity('control'),
      });
    });

    it('the attacker learns nothing of the shadow from any endpoint, realtime or error', () => {
      assertLearnsNothing(seen, secrets, { knownLeaks: [STALE_URL] });
    });

    it('a control user on another network does see the shadow (the probe is not vacuous)', () => {
      const saw = endpointsThatSaw(controlSeen, secrets);
      for (const endpoint of [
        'GET /api/profiles/{handle}',
        'GET /api/search/profiles?q=',
        'GET /api/feed',
        'GET /api/posts/{id}',
        'GET /api/notifications',
        'realtime:message',
        'realtime:notification',
        'realtime:typing',
        'realtime:read',
      ]) {
        expect(saw).toContain(endpoint);
      }
      expect(controlSeen.urls.filter((u) => u.endpoint === 'media url issued now')[0]?.status).toBe(200);
      // And what names the shadow answers unlike what names nobody: the comparison can fail too.
      const differs = findLeaks(controlSeen, secrets).filter((f) => f.problem.startsWith('differs'));
      expect(differs.map((f) => f.endpoint)).toEqual(
        expect.arrayContaining([
          'GET /api/profiles/{handle}',
          'GET /api/posts/{id}',
          'GET /api/media/{id}/url',
        ]),
      );
    });

    // KNOWN LIMITATION (reported, see STALE_URL): signed URLs are bearer tokens valid until they expire.
    it.fails('KNOWN LIMITATION: a signed URL issued before the firewall applied stops serving at once', () => {
      assertEndpointsLearnNothing(seen, secrets, [STALE_URL]);
    });
  });

  describe('IPv6: same /64', () => {
    let seen: Transcript;
    let controlSeen: Transcript;
    let secrets: Secret[];

    beforeAll(async () => {
      const v = await shadowCreatorVictim(server, png, { ip: '2001:db8:77:1::10' });
      const attacker = await signIn(server, undefined, { ip: '2001:db8:77:1:ffff::2' });
      const control = await signIn(server, undefined, { ip: '2001:db8:99:1::1' });
      await switchTo(attacker, 'shadow');
      await switchTo(control, 'shadow');
      const victim: Victim = {
        userId: v.user.userId,
        email: v.email,
        real: v.real,
        shadow: v.shadow,
        hidden: ['shadow'],
        postIds: [v.post.id],
        mediaIds: [v.media.id],
        tierIds: [v.tier.id],
      };
      secrets = [...shadowSecrets(victim), { label: 'shadow post body', value: v.postBody }];
      seen = await probe(
        server,
        { user: attacker, ip: '2001:db8:77:1:ffff::2', personas: ['shadow'] },
        victim,
      );
      controlSeen = await probe(
        server,
        { user: control, ip: '2001:db8:99:1::1', personas: ['shadow'] },
        victim,
        {
          control: true,
        },
      );
    });

    it('the attacker learns nothing; a control on another /64 sees the shadow', () => {
      assertLearnsNothing(seen, secrets, {});
      expect(endpointsThatSaw(controlSeen, secrets)).toEqual(
        expect.arrayContaining([
          'GET /api/profiles/{handle}',
          'GET /api/search/profiles?q=',
          'GET /api/posts/{id}',
        ]),
      );
    });
  });
});
