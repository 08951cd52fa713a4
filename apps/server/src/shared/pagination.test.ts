import { randomUUID } from 'node:crypto';
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
import { publishDuePosts } from '../content/posts.service.ts';
import { decodeCursor } from './pagination.ts';

// Twelve rows inside one millisecond: eight at distinct microseconds, four at exactly the same instant
// (only the id tie-break orders them), so every page size puts a boundary inside a run of ties.
const N = 12;
const stamps = Array.from({ length: N }, (_, i) =>
  i < 8 ? `2026-03-01T10:00:00.123${String(100 + i * 37).padStart(3, '0')}Z` : '2026-03-01T10:00:00.123500Z',
);

describe.each(dbTargets())('keyset pagination at PostgreSQL precision (%s)', (target) => {
  let server: TestServer;
  let creator: TestUser;
  let fan: TestUser;
  let handle: string;
  const postIds: string[] = [];
  let conversationId: string;
  const messageIds: string[] = [];
  const creatorIds: string[] = [];

  /** Gives `ids` of `table` the shared stamps (service role; ledger entries need triggers off, they refuse updates). */
  async function stamp(table: string, column: string, ids: string[], idColumn = 'id') {
    await server.db.driver.transaction(async (tx) => {
      if (table === 'ledger_entries') await tx.query(`set local session_replication_role = replica`);
      for (const [i, id] of ids.entries()) {
        await tx.query(`update public.${table} set ${column} = $2::timestamptz where ${idColumn} = $1`, [
          id,
          stamps[i % N],
        ]);
      }
    });
  }

  /** Follows next_cursor to the end; every id must come back exactly once. */
  // biome-ignore lint/suspicious/noExplicitAny: page shapes differ per endpoint
  async function walk(path: (cursor: string | null) => string, token: string, pick = (j: any) => j.items) {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const r = await call(server, 'GET', path(cursor), token);
      expect(r.status, r.text).toBe(200);
      seen.push(
        ...pick(r.json).map((x: { id?: string; transaction_id?: string }) => x.id ?? x.transaction_id),
      );
      cursor = r.json.next_cursor;
      if (!cursor) return seen;
    }
    throw new Error('pagination did not end');
  }
  const q = (path: string, limit: number) => (cursor: string | null) =>
    `${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

  function expectEach(seen: string[], all: string[]) {
    expect(seen.length).toBe(all.length);
    expect(new Set(seen)).toEqual(new Set(all));
  }

  beforeAll(async () => {
    server = await startTestServer(target);
    creator = await signIn(server);
    await makeCreator(creator);
    fan = await signIn(server);
    const me = await creator.api.me();
    handle = me.real_profile!.handle;
    await fan.api.follow(me.real_profile!.id);
    // Scheduled posts published by one publish_due_posts run share now() to the microsecond.
    const soon = new Date(Date.now() + 60_000).toISOString();
    for (let i = 0; i < N; i++) {
      const p = await creator.api.createPost({ body: `post ${i}`, visibility: 'public', publish_at: soon });
      postIds.push(p.id);
    }
    expect(await publishDuePosts(server.db, new Date(Date.now() + 120_000))).toBe(N);
    conversationId = (await fan.api.startConversation(me.real_profile!.id)).id;
    for (let i = 0; i < N; i++)
      messageIds.push((await fan.api.sendMessage(conversationId, { body: `m${i}` })).id);
  });
  afterAll(() => server?.dispose());

  it('feed and profile posts: rows published by one publish_due_posts run all come back', async () => {
    for (const limit of [1, 5]) {
      expectEach(await walk(q('/api/feed', limit), fan.accessToken()), postIds);
      expectEach(await walk(q(`/api/profiles/${handle}/posts`, limit), fan.accessToken()), postIds);
    }
  });

  it('feed, profile posts and my posts across microsecond ties', async () => {
    await stamp('posts', 'published_at', postIds);
    await stamp('posts', 'created_at', postIds);
    for (const limit of [1, 2, 3, 5, 7]) {
      expectEach(await walk(q('/api/feed', limit), fan.accessToken()), postIds);
      expectEach(await walk(q(`/api/profiles/${handle}/posts`, limit), fan.accessToken()), postIds);
      expectEach(await walk(q('/api/posts/mine', limit), creator.accessToken()), postIds);
    }
    // The cursor carries the database's microseconds, not a JS Date's milliseconds.
    const first = await call(server, 'GET', '/api/feed?limit=1', fan.accessToken());
    expect(decodeCursor(first.json.next_cursor)!.at).toBe('2026-03-01T10:00:00.123500Z');
  });

  it('notifications', async () => {
    const { rows } = await server.db.driver.query<{ id: string }>(
      `select n.id from public.notifications n join public.persona_links l on l.profile_id = n.recipient_id
       where l.user_id = $1 and l.kind = 'real' order by n.id`,
      [fan.userId],
    );
    expect(rows.length).toBeGreaterThanOrEqual(N);
    const ids = rows.map((r) => r.id);
    await stamp('notifications', 'created_at', ids);
    for (const limit of [1, 3, 5])
      expectEach(await walk(q('/api/notifications', limit), fan.accessToken()), ids);
  });

  it('messages, newest first (before) and catch-up (after)', async () => {
    await stamp('messages', 'created_at', messageIds);
    const path = `/api/conversations/${conversationId}/messages`;
    for (const limit of [1, 4, 5]) {
      const before = (cursor: string | null) =>
        `${path}?limit=${limit}${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`;
      expectEach(await walk(before, fan.accessToken()), messageIds);
    }
    // Catch-up from the oldest message's cursor returns every later one, oldest first.
    const all = await call(server, 'GET', `${path}?limit=100`, fan.accessToken());
    const items = all.json.items as { id: string; cursor: string }[];
    const oldest = items[items.length - 1]!;
    for (const limit of [1, 5]) {
      const seen: string[] = [];
      let cursor: string | null = oldest.cursor;
      while (cursor) {
        const r = await call(
          server,
          'GET',
          `${path}?limit=${limit}&after=${encodeURIComponent(cursor)}`,
          fan.accessToken(),
        );
        expect(r.status).toBe(200);
        seen.push(...r.json.items.map((m: { id: string }) => m.id));
        cursor = r.json.next_cursor;
      }
      expectEach(
        seen,
        messageIds.filter((id) => id !== oldest.id),
      );
      expect(seen).toEqual(
        items
          .slice(0, -1)
          .map((m) => m.id)
          .reverse(),
      );
    }
  });

  it('creators (profiles created the same day tie exactly)', async () => {
    for (let i = 0; i < 6; i++) {
      const u = await signIn(server);
      const me = await u.api.me();
      creatorIds.push(me.real_profile!.id);
    }
    await server.db.driver.query(`update public.profiles set is_creator = true where id = any($1::uuid[])`, [
      creatorIds,
    ]);
    const all = [...creatorIds, (await creator.api.me()).real_profile!.id];
    await stamp('profiles', 'created_at', creatorIds.slice(0, 3));
    for (const limit of [1, 2, 4]) expectEach(await walk(q('/api/creators', limit), fan.accessToken()), all);
  });

  it('wallet history', async () => {
    const pkg = await server.db.service('test:package', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_packages (code, coins, prices) values ($1, 10, '{"USD": 100}') returning id`,
        [`test_${randomUUID().slice(0, 8)}`],
      );
      return rows[0]!.id;
    });
    for (let i = 0; i < 8; i++) {
      await server.db.service('test:credit', (tx) =>
        tx.query(`select * from credit_coin_purchase('local', $1, $2, $3, 100, 'USD')`, [
          `pay_${randomUUID()}`,
          fan.userId,
          pkg,
        ]),
      );
    }
    const { rows } = await server.db.driver.query<{ transaction_id: string }>(
      `select e.transaction_id from public.ledger_entries e join public.ledger_accounts a on a.id = e.account_id
       where a.kind = 'user_wallet' and a.user_id = $1`,
      [fan.userId],
    );
    const ids = rows.map((r) => r.transaction_id);
    expect(ids.length).toBe(8);
    await stamp('ledger_entries', 'created_at', ids, 'transaction_id');
    for (const limit of [1, 3]) {
      const seen = await walk(q('/api/wallet', limit), fan.accessToken(), (j) => j.history);
      expectEach(seen, ids);
    }
  });

  it('a malformed cursor is a 400 naming its parameter', async () => {
    const r = await call(server, 'GET', '/api/feed?cursor=nope', fan.accessToken());
    expect(r.status).toBe(400);
    expect(r.json.error.details.fields[0].path).toBe('cursor');
    const m = await call(
      server,
      'GET',
      `/api/conversations/${conversationId}/messages?after=zz`,
      fan.accessToken(),
    );
    expect(m.status).toBe(400);
    expect(m.json.error.details.fields[0].path).toBe('after');
  });
});
