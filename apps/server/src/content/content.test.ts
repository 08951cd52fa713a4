import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';
import { publishDuePosts } from './posts.service.ts';

describe.each(dbTargets())('creator content, follows and feed (%s)', (target) => {
  let server: TestServer;
  let creator: TestUser;
  let creatorId: string;
  let creatorHandle: string;
  beforeAll(async () => {
    server = await startTestServer(target);
    creator = await signIn(server);
    await makeCreator(creator);
    const me = await creator.api.me();
    creatorId = me.real_profile!.id;
    creatorHandle = me.real_profile!.handle;
  });
  afterAll(() => server?.dispose());

  it('only creators publish', async () => {
    const fan = await signIn(server);
    const r = await call(server, 'POST', '/api/posts', fan.accessToken(), { body: 'hi' });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('not_a_creator');
  });

  it('validates posts field by field', async () => {
    const noPrice = await call(server, 'POST', '/api/posts', creator.accessToken(), {
      body: 'x',
      visibility: 'ppv',
    });
    expect(noPrice.status).toBe(400);
    expect(noPrice.json.error.details.fields[0].path).toBe('price_coins');
    const empty = await call(server, 'POST', '/api/posts', creator.accessToken(), { body: '  ' });
    expect(empty.json.error.details.fields[0].path).toBe('body');
    const long = await call(server, 'POST', '/api/posts', creator.accessToken(), { body: 'x'.repeat(5001) });
    expect(long.status).toBe(400);
    const foreignMedia = await call(server, 'POST', '/api/posts', creator.accessToken(), {
      body: 'x',
      media_ids: [crypto.randomUUID()],
    });
    expect(foreignMedia.status).toBe(400);
    expect(foreignMedia.json.error.details.fields[0].path).toBe('media_ids.0');
    // nothing half-made stayed behind
    expect((await creator.api.myPosts()).items.filter((p) => p.body === 'x')).toHaveLength(0);
  });

  it('applies visibility: public, followers, subscribers and pay-per-view', async () => {
    const pub = await creator.api.createPost({ body: 'public hello', visibility: 'public' });
    const fol = await creator.api.createPost({ body: 'followers secret', visibility: 'followers' });
    const sub = await creator.api.createPost({ body: 'subscribers secret', visibility: 'subscribers' });
    const ppv = await creator.api.createPost({ body: 'ppv secret', visibility: 'ppv', price_coins: 50 });
    const anonPosts = await call(server, 'GET', `/api/profiles/${creatorHandle}/posts?limit=50`);
    const byId = new Map(anonPosts.json.items.map((p: { id: string }) => [p.id, p]));
    expect(byId.get(pub.id)).toMatchObject({ body: 'public hello', unlocked: true });
    for (const locked of [fol, sub, ppv])
      expect(byId.get(locked.id)).toMatchObject({ body: '', unlocked: false });
    expect(byId.get(ppv.id)).toMatchObject({ price_coins: 50 });
    for (const hidden of ['followers secret', 'subscribers secret', 'ppv secret'])
      expect(anonPosts.text).not.toContain(hidden);

    const fan = await signIn(server);
    await fan.api.follow(creatorId);
    expect((await fan.api.post(fol.id)).body).toBe('followers secret');
    expect((await fan.api.post(sub.id)).unlocked).toBe(false);
    expect((await fan.api.post(ppv.id)).unlocked).toBe(false);

    // Entitlements come from the database: a subscription and an unlock open the rest.
    const fanPersona = (await fan.api.me()).real_profile!.id;
    await server.db.service('test:grant', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into subscription_tiers (creator_id, name, price_coins) values ($1, 'Gold', 100) returning id`,
        [creatorId],
      );
      await tx.query(
        `insert into subscriptions (subscriber_id, creator_id, tier_id, status, current_period_start, current_period_end)
         values ($1, $2, $3, 'active', now(), now() + interval '30 days')`,
        [fanPersona, creatorId, rows[0]!.id],
      );
      await tx.query('insert into ppv_unlocks (buyer_id, post_id, price_coins) values ($1, $2, 50)', [
        fanPersona,
        ppv.id,
      ]);
    });
    expect((await fan.api.post(sub.id)).body).toBe('subscribers secret');
    expect((await fan.api.post(ppv.id)).body).toBe('ppv secret');
    // …for that persona only
    const other = await signIn(server);
    expect((await other.api.post(ppv.id)).unlocked).toBe(false);
  });

  it('paid bodies cannot be read from the tables directly either', async () => {
    const ppv = await creator.api.createPost({ body: 'table secret', visibility: 'ppv', price_coins: 10 });
    const stranger = await signIn(server);
    const claims = JSON.parse(Buffer.from(stranger.accessToken().split('.')[1]!, 'base64url').toString());
    const rows = await server.db.asUser(claims, (tx) =>
      tx.query('select body from post_contents where post_id = $1', [ppv.id]),
    );
    expect(rows.rows).toHaveLength(0);
    const anonRows = await server.db.asAnon((tx) =>
      tx.query('select body from post_contents where post_id = $1', [ppv.id]),
    );
    expect(anonRows.rows).toHaveLength(0);
  });

  it('keeps drafts private and publishes scheduled posts when due, notifying followers', async () => {
    const fan = await signIn(server);
    await fan.api.follow(creatorId);
    const draft = await creator.api.createPost({ body: 'draft text', draft: true });
    expect(draft.status).toBe('draft');
    expect((await call(server, 'GET', `/api/posts/${draft.id}`, fan.accessToken())).status).toBe(404);
    const at = new Date(Date.now() + 60 * 60_000).toISOString();
    const scheduled = await creator.api.createPost({ body: 'later', publish_at: at });
    expect(scheduled.status).toBe('scheduled');
    expect((await call(server, 'GET', `/api/posts/${scheduled.id}`, fan.accessToken())).status).toBe(404);
    const past = await call(server, 'POST', '/api/posts', creator.accessToken(), {
      body: 'x',
      publish_at: new Date(Date.now() - 1000).toISOString(),
    });
    expect(past.json.status).toBe('published');

    expect(await publishDuePosts(server.db, new Date(Date.now() + 30 * 60_000))).toBe(0);
    expect(await publishDuePosts(server.db, new Date(Date.now() + 61 * 60_000))).toBe(1);
    const live = await fan.api.post(scheduled.id);
    expect(live.status).toBe('published');
    const notes = await fan.api.notifications();
    expect(notes.items.some((n) => n.kind === 'new_post' && n.post_id === scheduled.id)).toBe(true);
    // publishing is idempotent
    expect(await publishDuePosts(server.db, new Date(Date.now() + 120 * 60_000))).toBe(0);
  });

  it('paginates the feed with a cursor, newest first, without gaps or repeats', async () => {
    const c2 = await signIn(server);
    await makeCreator(c2);
    const fan = await signIn(server);
    await fan.api.follow((await c2.api.me()).real_profile!.id);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await c2.api.createPost({ body: `p${i}` })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const pageRes = await fan.api.feed({ limit: 2, cursor });
      expect(pageRes.items.length).toBeLessThanOrEqual(2);
      seen.push(...pageRes.items.map((p) => p.id));
      cursor = pageRes.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
    const bad = await call(server, 'GET', '/api/feed?cursor=garbage', fan.accessToken());
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.fields[0].path).toBe('cursor');
  });

  it('lets only the author edit or delete a post', async () => {
    const post = await creator.api.createPost({ body: 'mine' });
    const other = await signIn(server);
    await makeCreator(other);
    expect(
      (await call(server, 'PATCH', `/api/posts/${post.id}`, other.accessToken(), { body: 'hacked' })).status,
    ).toBe(404);
    expect((await call(server, 'DELETE', `/api/posts/${post.id}`, other.accessToken())).status).toBe(404);
    expect((await creator.api.updatePost(post.id, { body: 'edited' })).body).toBe('edited');
    await creator.api.deletePost(post.id);
    expect((await call(server, 'GET', `/api/posts/${post.id}`)).status).toBe(404);
  });

  it('follows and unfollows', async () => {
    const fan = await signIn(server);
    const me = await fan.api.me();
    expect((await call(server, 'PUT', `/api/follows/${me.real_profile!.id}`, fan.accessToken())).status).toBe(
      400,
    );
    expect((await call(server, 'PUT', `/api/follows/${crypto.randomUUID()}`, fan.accessToken())).status).toBe(
      404,
    );
    await fan.api.follow(creatorId);
    await fan.api.follow(creatorId); // idempotent
    expect((await fan.api.profile(creatorHandle)).is_following).toBe(true);
    await fan.api.unfollow(creatorId);
    expect((await fan.api.profile(creatorHandle)).is_following).toBe(false);
  });

  it('files reports the reported party can never see', async () => {
    const fan = await signIn(server);
    const post = await creator.api.createPost({ body: 'reportable' });
    const r1 = await fan.api.report({ target_type: 'post', target_id: post.id, reason: 'spam' });
    const r2 = await fan.api.report({ target_type: 'post', target_id: post.id, reason: 'spam' });
    expect(r2.id).toBe(r1.id);
    const missing = await call(server, 'POST', '/api/reports', fan.accessToken(), {
      target_type: 'post',
      target_id: crypto.randomUUID(),
      reason: 'spam',
    });
    expect(missing.status).toBe(404);
    const badReason = await call(server, 'POST', '/api/reports', fan.accessToken(), {
      target_type: 'post',
      target_id: post.id,
      reason: 'meh',
    });
    expect(badReason.json.error.details.fields[0].path).toBe('reason');
    const claims = JSON.parse(Buffer.from(creator.accessToken().split('.')[1]!, 'base64url').toString());
    const visible = await server.db.asUser(claims, (tx) => tx.query('select * from reports'));
    expect(visible.rows).toHaveLength(0);
  });
});
