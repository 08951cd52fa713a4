import type { RealtimeServerMessage } from '@ipelya/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  claimsOf,
  connectRealtime,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';

const connect = (url: string, token: string) => connectRealtime<RealtimeServerMessage>(url, token);

const isScreenshot = (m: RealtimeServerMessage) =>
  m.type === 'notification' && m.notification.kind === 'screenshot';

describe.each(dbTargets())('anti-screenshot log and creator policy (%s)', (target) => {
  let server: TestServer;
  let creator: TestUser;
  let viewer: TestUser;
  let third: TestUser;
  let creatorId: string;
  let viewerRealId: string;
  let viewerShadowId: string;
  let postId: string;
  let draftId: string;
  let mediaId: string;

  beforeAll(async () => {
    server = await startTestServer(target);
    creator = await signIn(server);
    await makeCreator(creator);
    creatorId = (await creator.api.me()).real_profile!.id;
    postId = (await creator.api.createPost({ body: 'public words' })).id;
    draftId = (await creator.api.createPost({ body: 'draft', draft: true })).id;
    await server.db.service('test:fixtures', async (tx) => {
      mediaId = (
        await tx.query<{ id: string }>(
          `insert into media_objects (owner_id, bucket, object_path, content_type, size_bytes, status)
           values ($1, 'creator-media', 'creator-media/' || gen_random_uuid(), 'image/png', 10, 'ready') returning id`,
          [creatorId],
        )
      ).rows[0]!.id;
      await tx.query('insert into post_media (post_id, media_id) values ($1, $2)', [postId, mediaId]);
    });
    viewer = await signIn(server);
    viewerRealId = (await viewer.api.me()).real_profile!.id;
    await switchTo(viewer, 'shadow');
    viewerShadowId = (await viewer.api.me()).active_profile.id;
    third = await signIn(server);
  });
  afterAll(() => server?.dispose());

  it('notifies the owner live, naming only the taker persona; a third account learns nothing', async () => {
    const creatorSocket = await connect(server.url, creator.accessToken());
    const thirdSocket = await connect(server.url, third.accessToken());
    try {
      expect(await viewer.api.reportScreenshot({ context: 'post', target_id: postId })).toEqual({
        notified: 1,
      });
      const msg = await creatorSocket.waitFor(isScreenshot);
      if (msg.type !== 'notification') throw new Error('unexpected');
      expect(msg.notification.actor?.id).toBe(viewerShadowId);
      expect(msg.notification.post_id).toBe(postId);
      const wire = JSON.stringify(msg);
      expect(wire).not.toContain(viewer.userId);
      expect(wire).not.toContain(viewerRealId);
      // The stored event exposes personas only, and only to the taker and the owner.
      const ownerView = await server.db.as(claimsOf(creator), (tx) =>
        tx.query<Record<string, unknown>>('select * from screenshot_events'),
      );
      expect(ownerView.rows).toHaveLength(1);
      expect(JSON.stringify(ownerView.rows)).not.toContain(viewer.userId);
      expect(JSON.stringify(ownerView.rows)).not.toContain(viewerRealId);
      const takerView = await server.db.as(claimsOf(viewer), (tx) =>
        tx.query('select * from screenshot_events'),
      );
      expect(takerView.rows).toHaveLength(1);
      for (const who of [claimsOf(third), null]) {
        const r = await server.db.as(who, (tx) =>
          tx.query('select * from screenshot_events').catch(() => ({ rows: [] })),
        );
        expect(r.rows).toHaveLength(0);
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(thirdSocket.messages.filter(isScreenshot)).toEqual([]);
      expect((await third.api.notifications()).items).toEqual([]);
    } finally {
      creatorSocket.ws.close();
      thirdSocket.ws.close();
    }
  });

  it('refuses targets the taker cannot see and records nothing for your own content', async () => {
    const draft = await call(server, 'POST', '/api/screenshots', viewer.accessToken(), {
      context: 'post',
      target_id: draftId,
    });
    expect(draft.status).toBe(404);
    const bad = await call(server, 'POST', '/api/screenshots', viewer.accessToken(), {
      context: 'wallet',
      target_id: postId,
    });
    expect(bad.status).toBe(400);
    const anon = await call(server, 'POST', '/api/screenshots', null, { context: 'post', target_id: postId });
    expect(anon.status).toBe(401);
    expect(await creator.api.reportScreenshot({ context: 'post', target_id: postId })).toEqual({
      notified: 0,
    });
  });

  it('notify_and_blur blurs previews and refuses originals to that viewer only', async () => {
    // Under the default policy nothing is blurred.
    expect((await viewer.api.post(postId)).blurred).toBe(false);
    expect((await call(server, 'GET', `/api/media/${mediaId}/url`, viewer.accessToken())).status).toBe(200);

    await creator.api.updateProfile({ screenshot_policy: 'notify_and_blur' });
    expect((await viewer.api.post(postId)).blurred).toBe(true);
    const denied = await call(server, 'GET', `/api/media/${mediaId}/url`, viewer.accessToken());
    expect(denied.status).toBe(403);
    expect(denied.json.error?.code ?? denied.json.code).toBe('blurred_by_creator_policy');

    // Not the author, not a third account, not anon, not the viewer's other persona.
    expect((await creator.api.post(postId)).blurred).toBe(false);
    expect((await third.api.post(postId)).blurred).toBe(false);
    expect((await call(server, 'GET', `/api/media/${mediaId}/url`, third.accessToken())).status).toBe(200);
    expect((await call(server, 'GET', `/api/posts/${postId}`, null)).json.blurred).toBe(false);
    await switchTo(viewer, 'real');
    try {
      expect((await viewer.api.post(postId)).blurred).toBe(false);
      expect((await call(server, 'GET', `/api/media/${mediaId}/url`, viewer.accessToken())).status).toBe(200);
    } finally {
      await switchTo(viewer, 'shadow');
    }
    await creator.api.updateProfile({ screenshot_policy: 'notify' });
    expect((await viewer.api.post(postId)).blurred).toBe(false);
  });

  it('a profile screenshot notifies the profile; a chat screenshot notifies the other members', async () => {
    const creatorProfile = await call(server, 'POST', '/api/screenshots', third.accessToken(), {
      context: 'profile',
      target_id: creatorId,
    });
    expect(creatorProfile.json).toEqual({ notified: 1 });
    const thirdId = (await third.api.me()).real_profile!.id;
    const conv = await server.db.service('test:fixtures', async (tx) => {
      const id = (
        await tx.query<{ id: string }>(`insert into conversations (kind) values ('real') returning id`)
      ).rows[0]!.id;
      for (const p of [creatorId, thirdId])
        await tx.query('insert into conversation_members (conversation_id, profile_id) values ($1, $2)', [
          id,
          p,
        ]);
      return id;
    });
    expect(await third.api.reportScreenshot({ context: 'chat', target_id: conv })).toEqual({ notified: 1 });
    // Not a member: nothing to report, nothing learned.
    const outsider = await call(server, 'POST', '/api/screenshots', viewer.accessToken(), {
      context: 'chat',
      target_id: conv,
    });
    expect(outsider.status).toBe(404);
    const kinds = (await creator.api.notifications()).items.filter((n) => n.kind === 'screenshot');
    expect(kinds.map((n) => n.actor?.id)).toEqual([thirdId, thirdId, viewerShadowId]);
    // The chat notice names its conversation (for the chat's banner); the profile notice names none.
    expect(kinds.map((n) => n.conversation_id)).toEqual([conv, null, null]);
  });

  it('rate-limits screenshot reports per persona', async () => {
    const spammer = await signIn(server);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push(
        (
          await call(server, 'POST', '/api/screenshots', spammer.accessToken(), {
            context: 'profile',
            target_id: creatorId,
          })
        ).status,
      );
    }
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});
