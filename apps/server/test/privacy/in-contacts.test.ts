import { hashContacts } from '@ipelya/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../../src/storage/media.fixture.ts';
import {
  call,
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
  probe,
  type Secret,
  shadowCreatorVictim,
  shadowSecrets,
  type Transcript,
  type Victim,
  victimActs,
} from './probe.ts';

/**
 * Threat: someone in the victim's address book (a parent, a boss, an ex), or someone who has the victim in
 * theirs. Once either side uploads the other's phone number or email (keyed hashes), neither sees the other's
 * shadow persona: not by handle, search, posts, feed, media, conversations they already had, notifications,
 * realtime, or the shape of an error.
 */
describe.each(dbTargets())('privacy: an attacker in the address book (%s)', (target) => {
  let server: TestServer;
  const png = makePng(8, 8);

  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  async function addToContacts(u: TestUser, book: { emails?: string[]; phones?: string[] }) {
    const { hash_key } = await u.api.contactsStatus();
    // As typed in a Turkish phone: national format, normalised on the device with TR as the default region.
    await u.api.uploadContacts({ hashes: hashContacts(hash_key, book, 'TR') });
  }
  const profileStatus = async (u: TestUser, handle: string) =>
    (await call(server, 'GET', `/api/profiles/${handle}`, u.accessToken())).status;

  /** The victim's shadow, an attacker who already follows it and chats with it, and what it was handed. */
  async function scene(opts: { phone?: string }) {
    const v = await shadowCreatorVictim(server, png, opts);
    const attacker = await signIn(server);
    await switchTo(attacker, 'shadow');
    await attacker.api.follow(v.shadow.id);
    const conv = (await attacker.api.startConversation(v.shadow.id)).id;
    const hello = await attacker.api.sendMessage(conv, { body: 'do I know you?' });
    const reply = await v.user.api.sendMessage(conv, { body: `private reply ${conv}` });
    expect(await profileStatus(attacker, v.shadow.handle)).toBe(200);
    const victim: Victim = {
      userId: v.user.userId,
      email: v.email,
      phone: v.phone,
      real: v.real,
      shadow: v.shadow,
      hidden: ['shadow'],
      postIds: [v.post.id],
      mediaIds: [v.media.id],
      conversationIds: [conv],
      messageIds: [reply.id],
      cursors: [hello.cursor],
      tierIds: [v.tier.id],
    };
    const secrets: Secret[] = [
      ...shadowSecrets(victim),
      { label: 'shadow post body', value: v.postBody },
      { label: 'private reply', value: `private reply ${conv}` },
    ];
    return { v, attacker, conv, victim, secrets };
  }

  describe('the attacker has the victim’s phone number', () => {
    let s: Awaited<ReturnType<typeof scene>>;
    let seen: Transcript;
    let controlSeen: Transcript;

    beforeAll(async () => {
      const national = `555${String(Date.now()).slice(-7)}`;
      s = await scene({ phone: `+90${national}` });
      expect(s.victim.phone).toContain(national);
      s.secrets.push({ label: 'victim phone (national)', value: national });
      await addToContacts(s.attacker, { phones: [`0${national.slice(0, 3)} ${national.slice(3)}`] });
      const control = await signIn(server);
      await switchTo(control, 'shadow');
      await control.api.follow(s.v.shadow.id);
      const controlConv = (await control.api.startConversation(s.v.shadow.id)).id;
      await control.api.sendMessage(controlConv, { body: 'hello' });
      const activity = (tag: string) => () =>
        victimActs(server, s.v.user, { conversations: [s.conv, controlConv], tag, post: true });
      seen = await probe(server, { user: s.attacker, personas: ['shadow', 'real'] }, s.victim, {
        activity: activity('contacts'),
      });
      controlSeen = await probe(server, { user: control, personas: ['shadow'] }, s.victim, {
        control: true,
        activity: activity('control'),
      });
    });

    it('the attacker learns nothing of the shadow, even of the conversation they had', () => {
      assertLearnsNothing(seen, s.secrets, {});
    });

    it('a control without the number sees the shadow, its posts and its live activity', () => {
      expect(endpointsThatSaw(controlSeen, s.secrets)).toEqual(
        expect.arrayContaining([
          'GET /api/profiles/{handle}',
          'GET /api/search/profiles?q=',
          'GET /api/posts/{id}',
          'GET /api/feed',
          'GET /api/notifications',
          'realtime:message',
          'realtime:typing',
        ]),
      );
    });
  });

  describe('the attacker has the victim’s email', () => {
    let s: Awaited<ReturnType<typeof scene>>;
    let seen: Transcript;

    beforeAll(async () => {
      s = await scene({});
      await addToContacts(s.attacker, { emails: [s.v.email!.toUpperCase()] });
      seen = await probe(server, { user: s.attacker, personas: ['shadow'] }, s.victim);
    });

    it('the attacker learns nothing of the shadow', () => {
      assertLearnsNothing(seen, s.secrets, {});
    });
  });

  describe('the victim has the attacker in their address book (the reverse direction)', () => {
    let s: Awaited<ReturnType<typeof scene>>;
    let seen: Transcript;

    beforeAll(async () => {
      s = await scene({});
      const attackerEmail = (await s.attacker.api.me()).email!;
      await addToContacts(s.v.user, { emails: [attackerEmail] });
      seen = await probe(server, { user: s.attacker, personas: ['shadow'] }, s.victim, {
        activity: () => victimActs(server, s.v.user, { conversations: [s.conv], tag: 'reverse', post: true }),
      });
    });

    it('the attacker learns nothing of the shadow either', () => {
      assertLearnsNothing(seen, s.secrets, {});
    });

    it('deleting the address book lifts the wall (the hiding was the firewall’s doing)', async () => {
      await s.v.user.api.deleteContacts();
      expect(await profileStatus(s.attacker, s.v.shadow.handle)).toBe(200);
    });
  });
});
