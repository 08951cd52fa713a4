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
  probe,
  type Secret,
  shadowCreatorVictim,
  shadowSecrets,
  type Transcript,
  type Victim,
  victimActs,
} from './probe.ts';

/**
 * Threat: someone in the victim's address book (a parent, a boss, an ex). Once the victim uploads their phone
 * number or email (keyed hashes) — the owner's choice, "hide my shadow from people in my contacts" — they no
 * longer see the victim's shadow: not by handle, search, posts, feed, media, conversations they already had,
 * notifications, realtime, or the shape of an error. What the attacker uploads itself changes nothing it sees
 * (contacts-no-oracle.test.ts).
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

  describe('the victim has the attacker in their address book', () => {
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
