/**
 * The candidate-first list reads (decision 021) return exactly the rows of the queries they replaced, page by
 * page through the cursor, for many viewers over random data: follows, blocks both ways, firewalled and
 * switched-off shadows, suspended profiles, posts of every visibility and status (scheduled, drafts, PPV) on a
 * coarse time grid (ties broken by id), unlocks, subscriptions in every state, screenshot blur, notifications.
 * The old query texts are kept here as the reference; both run as `authenticated` under the same RLS.
 */
import { Database, type JwtClaims, type Queryable } from '@ipelya/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets, freshPostgresDatabase } from '../../test/harness.ts';
import { seedReads, type Viewer } from '../../test/reads-seed.ts';
import { testEnv } from '../env.ts';
import { listConversations } from '../messaging/messaging.service.ts';
import { listNotifications } from '../notifications/notifications.service.ts';
import { searchProfiles } from '../profiles/profiles.service.ts';
import { encodeCursor } from '../shared/pagination.ts';
import { feed, profilePosts } from './posts.service.ts';

// ---- the reference: the query texts as they were before decision 021 ------------------------------------
const OLD_SELECT_POSTS = `
  select p.id, to_char(coalesce(p.published_at, p.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as published_cursor_at, to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_cursor_at, p.author_id, p.visibility, p.price_coins, p.status, p.publish_at, p.published_at, p.is_demo, p.created_at,
         a.kind as author_kind, a.handle as author_handle, a.display_name as author_display_name, a.avatar_media_id as author_avatar,
         public.can_access_post(p.id) as unlocked, public.is_screenshot_blurred_for(p.author_id) as blurred, pc.body,
         (select coalesce(array_agg(pm.media_id order by pm.position), '{}') from public.post_media pm where pm.post_id = p.id) as media_ids
  from public.posts p
  join public.profiles a on a.id = p.author_id
  left join public.post_contents pc on pc.post_id = p.id`;

const OLD_FEED = `${OLD_SELECT_POSTS}
       where p.status = 'published'
         and p.author_id in (select f.followee_id from public.follows f where f.follower_id = public.current_persona_id())
         and ($1::timestamptz is null or (p.published_at, p.id) < ($1::timestamptz, $2::uuid))
       order by p.published_at desc, p.id desc limit $3`;

const OLD_PROFILE = `select id from public.profiles where handle = $1 and status = 'active'`;
const OLD_PROFILE_POSTS = `${OLD_SELECT_POSTS} where p.author_id = $1 and p.status = 'published'
         and ($2::timestamptz is null or (p.published_at, p.id) < ($2::timestamptz, $3::uuid))
       order by p.published_at desc, p.id desc limit $4`;

const OLD_NOTIFICATIONS = `
  select n.id, to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at, n.kind, n.post_id, n.read_at, a.id as actor_id
  from public.notifications n left join public.profiles a on a.id = n.actor_id
  where n.recipient_id = public.current_persona_id()
         and ($1::timestamptz is null or (n.created_at, n.id) < ($1::timestamptz, $2::uuid))
       order by n.created_at desc, n.id desc limit $3`;
const OLD_SEARCH = `select p.id from public.profiles p
       where p.kind = public.current_persona() and p.status = 'active' and p.id <> public.current_persona_id()
         and (p.handle like $1 or lower(p.display_name) like $1)
       order by (p.handle like $1) desc, p.handle limit $2`;

const OLD_CONVERSATIONS = `select * from (
  select c.id, c.kind, c.timer, me.state, me.last_read_at,
         p.id as other_id, p.handle as other_handle, p.display_name as other_display_name,
         case when public.is_blocked_by(o.profile_id) then null else o.last_read_at end as other_last_read_at,
         (select m.id from public.messages m where m.conversation_id = c.id
            order by m.created_at desc, m.id desc limit 1) as last_message_id,
         (select count(*) from public.messages m where m.conversation_id = c.id
            and m.sender_id <> me.profile_id and (me.last_read_at is null or m.created_at > me.last_read_at)) as unread_count
  from public.conversations c
  join public.conversation_members me on me.conversation_id = c.id and me.profile_id = public.current_persona_id()
  left join public.conversation_members o on o.conversation_id = c.id and o.profile_id <> me.profile_id
  left join public.profiles p on p.id = o.profile_id where me.state in ('active', 'request')) x
         left join lateral (select max(m.created_at) as last_at from public.messages m where m.conversation_id = x.id) l on true
       order by coalesce(l.last_at, '-infinity'::timestamptz) desc, x.id desc limit 200`;
// ----------------------------------------------------------------------------------------------------------

type OldPost = {
  id: string;
  published_cursor_at: string;
  unlocked: boolean;
  blurred: boolean;
  body: string | null;
};
/** What a page shows, reduced to what must be equal: ids in order, entitlement, blur, body, next cursor. */
type Page = { rows: string[]; next: string | null };

const showPost = (p: { id: string; unlocked: boolean; blurred: boolean; body: string | null }) =>
  `${p.id}|${p.unlocked}|${p.blurred}|${p.unlocked ? (p.body ?? '') : ''}`;

function oldPage(rows: OldPost[], limit: number): Page {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return {
    rows: rows.slice(0, limit).map(showPost),
    next: last ? encodeCursor(last.published_cursor_at, last.id) : null,
  };
}

const cursorArgs = (cursor: string | null) => {
  if (!cursor) return [null, null];
  const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
  return [at, id];
};

/** Walks both cursors side by side; returns every page pair (the caller compares). */
async function walk(
  oldFn: (cursor: string | null) => Promise<Page>,
  newFn: (cursor: string | null) => Promise<Page>,
  maxPages = 200,
) {
  const pages: { old: Page; new: Page }[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const o = await oldFn(cursor);
    const n = await newFn(cursor);
    pages.push({ old: o, new: n });
    if (!o.next || o.next !== n.next) break;
    cursor = o.next;
  }
  return pages;
}

const LIMITS = [3, 8];

describe.each(dbTargets())('candidate-first list reads return the old queries’ rows (%s)', (target) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  let viewers: Viewer[];
  let creators: { id: string; handle: string; kind: string }[];

  beforeAll(async () => {
    const pg = target === 'postgres' ? await freshPostgresDatabase() : undefined;
    drop = pg?.drop;
    db = await Database.open({ url: pg?.url, migrationsDir: testEnv().MIGRATIONS_DIR });
    ({ viewers, creators } = await seedReads(db, {
      users: 36,
      creators: 10,
      postsPerCreator: 18,
      followsPerPersona: 5,
      blockRate: 0.08,
      seed: 0.17,
    }));
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  const asUser = <T>(claims: JwtClaims | null, fn: (tx: Queryable) => Promise<T>) => db.as(claims, fn);

  it('the data exercises what RLS hides (not vacuous)', async () => {
    const { rows } = await db.service('test', (tx) =>
      tx.query<Record<string, string>>(`select
        (select count(*) from public.blocks) as blocks,
        (select count(*) from public.contact_hashes) as walls,
        (select count(*) from public.profiles where status <> 'active') as inactive,
        (select count(*) from public.posts where status = 'scheduled') as scheduled,
        (select count(*) from public.posts where status = 'draft') as drafts,
        (select count(*) from public.ppv_unlocks) as unlocks,
        (select count(*) from public.subscriptions) as subs,
        (select count(*) from public.notifications) as notifications`),
    );
    for (const [k, v] of Object.entries(rows[0]!)) expect(Number(v), k).toBeGreaterThan(0);
    // Some followed author is hidden from its follower (block, firewall, off or suspended): the old feed drops
    // those posts, and so must the new one.
    const hidden = await db.service('test', (tx) =>
      tx.query<{ n: string }>(
        `select count(*) as n from public.follows f join public.profiles a on a.id = f.followee_id
         where a.status <> 'active' or exists (select 1 from public.blocks b where
           (b.blocker_id = f.follower_id and b.blocked_id = f.followee_id) or (b.blocker_id = f.followee_id and b.blocked_id = f.follower_id))`,
      ),
    );
    expect(Number(hidden.rows[0]!.n)).toBeGreaterThan(0);
  });

  it('the comparison notices a dropped row', async () => {
    // Guard against a vacuous comparator: the same page with one row removed must not compare equal.
    const v = viewers.find((x) => x.kind === 'real')!;
    const { rows } = await asUser(v.claims, (tx) => tx.query<OldPost>(OLD_FEED, [null, null, 8]));
    const page = oldPage(rows, 7);
    expect(page.rows.length).toBeGreaterThan(1);
    expect({ ...page, rows: page.rows.slice(1) }).not.toEqual(page);
  });

  it('feed: same rows, page by page, for every viewer (real and shadow personas)', async () => {
    let compared = 0;
    let rowsSeen = 0;
    // Two personas in three (both kinds occur), to keep the walk short on PGlite.
    for (const v of viewers.filter((_, i) => i % 3 !== 2)) {
      for (const limit of LIMITS) {
        const pages = await walk(
          async (cursor) => {
            const [at, id] = cursorArgs(cursor);
            const { rows } = await asUser(v.claims, (tx) => tx.query<OldPost>(OLD_FEED, [at, id, limit + 1]));
            return oldPage(rows, limit);
          },
          async (cursor) => {
            const r = await feed(db, v.claims, { cursor: cursor ?? undefined, limit });
            return { rows: r.items.map(showPost), next: r.next_cursor };
          },
        );
        for (const p of pages) {
          expect(p.new, `viewer ${v.profileId} (${v.kind}) limit ${limit}`).toEqual(p.old);
          compared++;
          rowsSeen += p.old.rows.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(viewers.length);
    expect(rowsSeen).toBeGreaterThan(300);
  }, 300_000);

  it('profile posts: same rows for signed-in viewers and anonymous visitors, or the same 404', async () => {
    const sample = [null, ...viewers.filter((_, i) => i % 6 === 0).map((v) => v.claims)];
    let shown = 0;
    let missing = 0;
    for (const claims of sample) {
      for (const c of creators) {
        const oldFirst = await asUser(claims, (tx) => tx.query<{ id: string }>(OLD_PROFILE, [c.handle]));
        const authorId = oldFirst.rows[0]?.id;
        if (!authorId) {
          await expect(profilePosts(db, claims, c.handle, { limit: 5 })).rejects.toMatchObject({
            kind: 'not_found',
          });
          missing++;
          continue;
        }
        const pages = await walk(
          async (cursor) => {
            const [at, id] = cursorArgs(cursor);
            const { rows } = await asUser(claims, (tx) =>
              tx.query<OldPost>(OLD_PROFILE_POSTS, [authorId, at, id, 6]),
            );
            return oldPage(rows, 5);
          },
          async (cursor) => {
            const r = await profilePosts(db, claims, c.handle, { cursor: cursor ?? undefined, limit: 5 });
            return { rows: r.items.map(showPost), next: r.next_cursor };
          },
        );
        for (const p of pages) {
          expect(p.new, `viewer ${String(claims?.persona_id ?? 'anon')} on ${c.handle}`).toEqual(p.old);
          shown += p.old.rows.length;
        }
      }
    }
    expect(shown).toBeGreaterThan(100);
    expect(missing).toBeGreaterThan(0);
  }, 300_000);

  it('notifications: same rows, page by page, for every viewer', async () => {
    let rowsSeen = 0;
    type OldN = {
      id: string;
      cursor_at: string;
      kind: string;
      post_id: string | null;
      actor_id: string | null;
    };
    for (const v of viewers.filter((_, i) => i % 2 === 0)) {
      const pages = await walk(
        async (cursor) => {
          const [at, id] = cursorArgs(cursor);
          const { rows } = await asUser(v.claims, (tx) => tx.query<OldN>(OLD_NOTIFICATIONS, [at, id, 5]));
          const last = rows.length > 4 ? rows[3] : undefined;
          return {
            rows: rows.slice(0, 4).map((r) => `${r.id}|${r.kind}|${r.post_id}|${r.actor_id}`),
            next: last ? encodeCursor(last.cursor_at, last.id) : null,
          };
        },
        async (cursor) => {
          const r = await listNotifications(db, v.claims, { cursor: cursor ?? undefined, limit: 4 });
          return {
            rows: r.items.map((n) => `${n.id}|${n.kind}|${n.post_id}|${n.actor?.id ?? null}`),
            next: r.next_cursor,
          };
        },
      );
      for (const p of pages) {
        expect(p.new, `viewer ${v.profileId}`).toEqual(p.old);
        rowsSeen += p.old.rows.length;
      }
    }
    expect(rowsSeen).toBeGreaterThan(100);
  }, 300_000);

  it('conversations: same conversations and requests, in the same order, with the same counts', async () => {
    type OldC = {
      id: string;
      state: string;
      other_id: string | null;
      other_last_read_at: Date | null;
      last_message_id: string | null;
      unread_count: string;
    };
    const show = (c: {
      id: string;
      state: string;
      other: string | null;
      otherRead: string | null;
      last: string | null;
      unread: number;
    }) => `${c.id}|${c.state}|${c.other}|${c.otherRead}|${c.last}|${c.unread}`;
    let seen = 0;
    for (const v of viewers) {
      const { rows } = await asUser(v.claims, (tx) => tx.query<OldC>(OLD_CONVERSATIONS));
      const shown = rows
        .filter((r) => r.state !== 'request' || r.last_message_id)
        .map((r) => ({
          id: r.id,
          state: r.state,
          other: r.other_id,
          otherRead: r.other_last_read_at ? new Date(r.other_last_read_at).toISOString() : null,
          last: r.last_message_id,
          unread: Number(r.unread_count),
        }));
      const old = {
        conversations: shown.filter((c) => c.state !== 'request').map(show),
        requests: shown.filter((c) => c.state === 'request').map(show),
      };
      const got = await listConversations(db, v.claims);
      const mine = (cs: typeof got.conversations) =>
        cs.map((c) =>
          show({
            id: c.id,
            state: c.state,
            other: c.other?.id ?? null,
            otherRead: c.other_last_read_at,
            last: c.last_message?.id ?? null,
            unread: c.unread_count,
          }),
        );
      expect(
        { conversations: mine(got.conversations), requests: mine(got.requests) },
        `viewer ${v.profileId}`,
      ).toEqual(old);
      seen += shown.length;
    }
    expect(seen).toBeGreaterThan(50);
  }, 300_000);

  it('profile search: same profiles in the same order for prefixes of handles and display names', async () => {
    const { rows: names } = await db.service('test', (tx) =>
      tx.query<{ handle: string; display_name: string }>('select handle, display_name from public.profiles'),
    );
    const prefixes = new Set<string>(['a', 'x_', '%', 'ZZ']);
    for (const [i, n] of names.entries()) {
      if (i % 5 === 0) prefixes.add(n.handle.slice(0, 1 + (i % 3)));
      if (i % 7 === 0) prefixes.add(n.display_name.slice(0, 2 + (i % 2)));
    }
    let matched = 0;
    for (const v of viewers.filter((_, i) => i % 4 === 0)) {
      for (const q of prefixes) {
        const like = `${q.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
        const { rows } = await asUser(v.claims, (tx) => tx.query<{ id: string }>(OLD_SEARCH, [like, 10]));
        const got = await searchProfiles(db, v.claims, { q, limit: 10 });
        expect(
          got.items.map((p) => p.id),
          `viewer ${v.profileId} q=${q}`,
        ).toEqual(rows.map((r) => r.id));
        matched += rows.length;
      }
    }
    expect(matched).toBeGreaterThan(50);
  }, 300_000);
});
