import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../../src/storage/media.fixture.ts';
import {
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from '../harness.ts';
import {
  assertEndpointsLearnNothing,
  assertLearnsNothing,
  endpointsThatSaw,
  identityOf,
  probe,
  type Secret,
  STALE_URL,
  shadowCreatorVictim,
  type Transcript,
  uploadPng,
  type Victim,
  victimActs,
} from './probe.ts';

/**
 * Threat: a persona the victim blocked (an ex, a stalker). Blocks are persona to persona: the blocked persona
 * must stop seeing the blocker anywhere: profile, posts, search, feed, media, tiers, notifications and realtime
 * (no new messages, typing or read receipts), and every error must read like the blocker does not exist.
 * The shared conversation stays as history for the blocked side, but nothing new reaches it.
 */
describe.each(dbTargets())('privacy: a blocked user (%s)', (target) => {
  let server: TestServer;
  const png = makePng(8, 8);

  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  describe('blocked by the shadow persona', () => {
    let v: Awaited<ReturnType<typeof shadowCreatorVictim>>;
    let attacker: TestUser;
    let control: TestUser;
    let conv: string;
    let seen: Transcript;
    let controlSeen: Transcript;
    let secrets: Secret[];
    let victim: Victim;

    beforeAll(async () => {
      v = await shadowCreatorVictim(server, png);
      attacker = await signIn(server);
      control = await signIn(server);
      await switchTo(attacker, 'shadow');
      await switchTo(control, 'shadow');
      // Before the block: the attacker follows, chats, and was handed a signed URL of the victim's media.
      await attacker.api.follow(v.shadow.id);
      conv = (await attacker.api.startConversation(v.shadow.id)).id;
      const first = await attacker.api.sendMessage(conv, { body: 'please answer' });
      await v.user.api.sendMessage(conv, { body: 'leave me alone' });
      const oldUrl = await attacker.api.mediaUrl(v.media.id);
      await control.api.follow(v.shadow.id);
      const controlConv = (await control.api.startConversation(v.shadow.id)).id;
      await control.api.sendMessage(controlConv, { body: 'hi' });

      const attackerShadow = (await identityOf(attacker)).shadow;
      await v.user.api.block(attackerShadow.id);
      // After the block the victim moves on: a new handle, name and bio, and new media.
      const handle = `after_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
      const display = `Renamed${randomUUID().slice(0, 6)}`;
      const bio = `new bio ${randomUUID()}`;
      const avatar = await uploadPng(server, v.user, png);
      await v.user.api.updateProfile({ handle, display_name: display, bio, avatar_media_id: avatar.id });
      const shadow = { id: v.shadow.id, handle, display_name: display };
      victim = {
        userId: v.user.userId,
        email: v.email,
        real: v.real,
        shadow,
        hidden: ['shadow'],
        postIds: [v.post.id],
        mediaIds: [v.media.id, avatar.id],
        conversationIds: [conv],
        // The conversation stays in the blocked side's history: it is not compared with a missing one.
        hiddenConversationIds: [],
        cursors: [first.cursor],
        tierIds: [v.tier.id],
        signedUrls: [oldUrl.url],
      };
      secrets = [
        { label: 'new handle', value: handle },
        { label: 'new display name', value: display },
        { label: 'new bio', value: bio },
        { label: 'new avatar id', value: avatar.id },
        { label: 'post body', value: v.postBody },
        { label: 'tier name', value: v.tier.name },
        { label: 'victim user id', value: v.user.userId },
        { label: 'victim email', value: v.email! },
        // Any realtime event naming the victim is news about them (presence, typing, reads, posts).
        { label: 'victim shadow id', value: v.shadow.id, where: 'realtime' },
      ];
      const activity = (tag: string) => () =>
        victimActs(server, v.user, { conversations: [conv, controlConv], tag, post: true });
      seen = await probe(server, { user: attacker, personas: ['shadow'] }, victim, {
        activity: activity('after-block'),
      });
      controlSeen = await probe(server, { user: control, personas: ['shadow'] }, victim, {
        control: true,
        activity: activity('control'),
      });
    });

    it('the blocked persona learns nothing new about the blocker, anywhere', () => {
      assertLearnsNothing(seen, secrets, { knownLeaks: [STALE_URL] });
    });

    it("the blocker's reading does not move other_last_read_at for the blocked persona", async () => {
      const before = (await attacker.api.conversation(conv)).other_last_read_at;
      await new Promise((r) => setTimeout(r, 20));
      await v.user.api.markRead(conv);
      const after = (await attacker.api.conversation(conv)).other_last_read_at;
      expect(after).toBe(before);
    });

    it('the shared conversation keeps its history only: no blocker profile, nothing sent after the block', () => {
      const one = seen.entries.find((e) => e.endpoint === 'GET /api/conversations/{id}')!;
      expect(one.status).toBe(200);
      expect(JSON.parse(one.text).other).toBeNull();
      const list = seen.entries.find((e) => e.endpoint === 'GET /api/conversations/{id}/messages')!;
      // The two messages from before the block; the victim's send during the probe was refused.
      expect(JSON.parse(list.text).items.map((m: { body: string }) => m.body)).toEqual([
        'leave me alone',
        'please answer',
      ]);
    });

    it('a control persona that was not blocked sees the renamed shadow and its activity', () => {
      expect(endpointsThatSaw(controlSeen, secrets)).toEqual(
        expect.arrayContaining([
          'GET /api/profiles/{handle}',
          'GET /api/search/profiles?q=',
          'GET /api/posts/{id}',
          'GET /api/feed',
          'realtime:message',
          'realtime:typing',
          'realtime:read',
          'realtime:notification',
        ]),
      );
    });

    // KNOWN LIMITATION (reported, see STALE_URL): signed URLs are bearer tokens valid until they expire.
    it.fails('KNOWN LIMITATION: a signed URL issued before the block stops serving at once', () => {
      assertEndpointsLearnNothing(seen, secrets, [STALE_URL]);
    });
  });

  describe('blocked by the real persona', () => {
    let seen: Transcript;
    let secrets: Secret[];

    beforeAll(async () => {
      const victimUser = await signIn(server);
      await makeCreator(victimUser);
      const id = await identityOf(victimUser);
      const postBody = `real post ${randomUUID()}`;
      const post = await victimUser.api.createPost({ body: postBody, visibility: 'public' });
      const attacker = await signIn(server);
      await attacker.api.follow(id.real.id);
      await victimUser.api.block((await identityOf(attacker)).real.id);
      const display = `Blocker${randomUUID().slice(0, 6)}`;
      await victimUser.api.updateProfile({ display_name: display });
      const victim: Victim = {
        userId: victimUser.userId,
        email: id.email,
        real: { ...id.real, display_name: display },
        shadow: id.shadow,
        hidden: ['real'],
        postIds: [post.id],
      };
      secrets = [
        { label: 'new display name', value: display },
        { label: 'post body', value: postBody },
        { label: 'victim user id', value: victimUser.userId },
        { label: 'victim real id', value: id.real.id, where: 'realtime' },
      ];
      seen = await probe(server, { user: attacker, personas: ['real'] }, victim, {
        activity: () => victimActs(server, victimUser, { conversations: [], tag: 'real-block', post: true }),
      });
    });

    it('the blocked real persona learns nothing new about the blocker', () => {
      assertLearnsNothing(seen, secrets, {});
    });
  });
});
