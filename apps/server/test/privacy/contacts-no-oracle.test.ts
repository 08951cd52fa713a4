import { randomUUID } from 'node:crypto';
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
  endpointsThatSaw,
  identityOf,
  probe,
  type Secret,
  shadowCreatorVictim,
  shadowSecrets,
  type Victim,
  visibilityOf,
} from './probe.ts';

/**
 * Threat: contacts as an oracle. An attacker that can see a shadow uploads candidate phone numbers (and deletes
 * them again) to find out whose shadow it is. Only the shadow owner's uploads hide a shadow, so nothing the
 * attacker uploads changes anything it sees; and the owner's own uploads change nothing the owner sees either
 * (no reverse test: "is the person behind that shadow in my address book?").
 */
describe.each(dbTargets())('privacy: contacts are no oracle (%s)', (target) => {
  let server: TestServer;
  const png = makePng(8, 8);

  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  async function upload(u: TestUser, phones: string[], replace = true) {
    const { hash_key } = await u.api.contactsStatus();
    await u.api.uploadContacts({ hashes: hashContacts(hash_key, { phones }, 'TR'), replace });
  }
  const candidates = (n: number) =>
    Array.from({ length: n }, (_, i) => `+90532${String(1000000 + i * 7919).slice(-7)}`);

  it('uploading candidate numbers (the right one among them) and deleting them changes nothing the uploader sees', async () => {
    const national = `555${String(Date.now()).slice(-7)}`;
    const v = await shadowCreatorVictim(server, png, { phone: `+90${national}` });
    const attacker = await signIn(server);
    await switchTo(attacker, 'shadow');
    await attacker.api.follow(v.shadow.id);
    const conv = (await attacker.api.startConversation(v.shadow.id)).id;
    await attacker.api.sendMessage(conv, { body: 'who are you?' });
    const reply = await v.user.api.sendMessage(conv, { body: `reply ${randomUUID()}` });
    const victim: Victim = {
      userId: v.user.userId,
      real: v.real,
      shadow: v.shadow,
      hidden: [],
      postIds: [v.post.id],
      mediaIds: [v.media.id],
      conversationIds: [conv],
      messageIds: [reply.id],
      tierIds: [v.tier.id],
    };
    const secrets: Secret[] = [
      ...shadowSecrets(victim),
      { label: 'post body', value: v.postBody },
      { label: 'reply', value: reply.body },
    ];
    const look = async () =>
      visibilityOf(
        await probe(server, { user: attacker, personas: ['shadow'] }, victim, { control: true }),
        secrets,
      );
    const before = await look();
    // The attack from the issue: 32 candidates in 6 uploads, bisecting; here every upload holds the number.
    const pool = [...candidates(31), `+90${national}`];
    for (const size of [32, 16, 8, 4, 2, 1]) await upload(attacker, pool.slice(pool.length - size));
    expect(await look()).toEqual(before);
    await attacker.api.deleteContacts();
    expect(await look()).toEqual(before);
    // And the attacker does see the shadow: the comparison is not of two empty views.
    const seen = await probe(server, { user: attacker, personas: ['shadow'] }, victim, { control: true });
    expect(endpointsThatSaw(seen, secrets)).toEqual(
      expect.arrayContaining([
        'GET /api/profiles/{handle}',
        'GET /api/posts/{id}',
        'GET /api/conversations/{id}',
      ]),
    );
  }, 240_000);

  it('the owner’s upload hides the owner’s shadow from that contact, and changes nothing the owner sees', async () => {
    // X is someone the owner knows; X's shadow talks to the owner's shadow.
    const phone = `+90544${String(Date.now()).slice(-7)}`;
    const x = await shadowCreatorVictim(server, png, { phone });
    const owner = await signIn(server);
    await switchTo(owner, 'shadow');
    const ownerShadow = (await identityOf(owner)).shadow;
    await owner.api.follow(x.shadow.id);
    const conv = (await owner.api.startConversation(x.shadow.id)).id;
    await owner.api.sendMessage(conv, { body: 'hello' });
    const victim: Victim = {
      userId: x.user.userId,
      real: x.real,
      shadow: x.shadow,
      hidden: [],
      postIds: [x.post.id],
      mediaIds: [x.media.id],
      conversationIds: [conv],
      tierIds: [x.tier.id],
    };
    const secrets = [...shadowSecrets(victim), { label: 'post body', value: x.postBody }];
    const look = async () =>
      visibilityOf(
        await probe(server, { user: owner, personas: ['shadow'] }, victim, { control: true }),
        secrets,
      );
    const before = await look();
    expect(
      (await call(server, 'GET', `/api/profiles/${ownerShadow.handle}`, x.user.accessToken())).status,
    ).toBe(200);
    await upload(owner, [phone, ...candidates(5)]);
    // The point of it: X no longer sees the owner's shadow.
    expect(
      (await call(server, 'GET', `/api/profiles/${ownerShadow.handle}`, x.user.accessToken())).status,
    ).toBe(404);
    // And no reverse test: the owner's view of X's shadow is unchanged.
    expect(await look()).toEqual(before);
    await owner.api.deleteContacts();
    expect(await look()).toEqual(before);
  }, 240_000);
});
