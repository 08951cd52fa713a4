import type { CreatePost, Post, UpdatePost } from '@ipelya/contracts';
import { CreatePostSchema } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { DomainError, notFound } from '../errors.ts';
import { cursorAt, decodeCursor, iso, keysetPage } from '../shared/pagination.ts';

type PostRow = {
  id: string;
  author_id: string;
  visibility: Post['visibility'];
  price_coins: string | number | null;
  status: Post['status'];
  publish_at: Date | null;
  published_at: Date | null;
  is_demo: boolean;
  created_at: Date;
  author_kind: 'real' | 'shadow';
  author_handle: string;
  author_display_name: string;
  author_avatar: string | null;
  unlocked: boolean;
  blurred: boolean;
  body: string | null;
  media_ids: string[] | null;
  /** Keyset cursor keys at PostgreSQL's microsecond precision (see shared/pagination). */
  published_cursor_at: string;
  created_cursor_at: string;
};

// Body and media come through their own RLS-guarded tables: a viewer who is not entitled gets nulls.
const SELECT_POSTS = `
  select p.id, ${cursorAt('coalesce(p.published_at, p.created_at)')} as published_cursor_at, ${cursorAt('p.created_at')} as created_cursor_at, p.author_id, p.visibility, p.price_coins, p.status, p.publish_at, p.published_at, p.is_demo, p.created_at,
         a.kind as author_kind, a.handle as author_handle, a.display_name as author_display_name, a.avatar_media_id as author_avatar,
         public.can_access_post(p.id) as unlocked, public.is_screenshot_blurred_for(p.author_id) as blurred, pc.body,
         (select coalesce(array_agg(pm.media_id order by pm.position), '{}') from public.post_media pm where pm.post_id = p.id) as media_ids
  from public.posts p
  join public.profiles a on a.id = p.author_id
  left join public.post_contents pc on pc.post_id = p.id`;

function toPost(r: PostRow): Post {
  return {
    id: r.id,
    author: {
      id: r.author_id,
      kind: r.author_kind,
      handle: r.author_handle,
      display_name: r.author_display_name,
      avatar_media_id: r.author_avatar,
    },
    body: r.unlocked ? (r.body ?? '') : '',
    visibility: r.visibility,
    price_coins: r.price_coins === null ? null : Number(r.price_coins),
    status: r.status,
    publish_at: iso(r.publish_at),
    published_at: iso(r.published_at),
    unlocked: r.unlocked === true,
    media_ids: r.unlocked ? (r.media_ids ?? []) : [],
    blurred: r.blurred === true,
    is_demo: r.is_demo,
    created_at: iso(r.created_at)!,
  };
}

function pageOf(rows: PostRow[], limit: number, key: 'published' | 'created') {
  const keyed = rows.map((r) => ({
    ...r,
    cursor_at: key === 'published' ? r.published_cursor_at : r.created_cursor_at,
  }));
  return keysetPage(keyed, limit, toPost, (r) => r.id);
}

/** One post as the transaction's viewer reads it (a teaser unless entitled); 404 when it cannot see it. */
export async function loadPost(tx: Queryable, id: string): Promise<Post> {
  const { rows } = await tx.query<PostRow>(`${SELECT_POSTS} where p.id = $1`, [id]);
  if (!rows[0]) throw notFound('post');
  return toPost(rows[0]);
}

function statusFor(
  draft: boolean | undefined,
  publishAt: string | null | undefined,
): 'draft' | 'scheduled' | 'published' {
  if (draft) return 'draft';
  if (publishAt && Date.parse(publishAt) > Date.now()) return 'scheduled';
  return 'published';
}

async function attachMedia(tx: Queryable, postId: string, mediaIds: string[]) {
  await tx.query('delete from public.post_media where post_id = $1', [postId]);
  for (const [position, mediaId] of mediaIds.entries()) {
    const { rows } = await tx.query(
      `select 1 from public.media_objects where id = $1 and owner_id = public.current_persona_id() and status = 'ready'`,
      [mediaId],
    );
    if (!rows[0]) {
      throw new DomainError(
        'validation',
        'validation_failed',
        `media_ids.${position} is not one of your uploaded files`,
        {
          fields: [{ path: `media_ids.${position}`, message: 'unknown or unfinished upload' }],
        },
      );
    }
    await tx.query('insert into public.post_media (post_id, media_id, position) values ($1, $2, $3)', [
      postId,
      mediaId,
      position,
    ]);
  }
}

export async function createPost(db: Database, claims: JwtClaims, input: CreatePost): Promise<Post> {
  const v = CreatePostSchema.parse(input);
  return db.asUser(claims, async (tx) => {
    const { rows: me } = await tx.query<{ is_creator: boolean }>(
      'select is_creator from public.profiles where id = public.current_persona_id()',
    );
    if (!me[0]?.is_creator)
      throw new DomainError(
        'forbidden',
        'not_a_creator',
        'only creators can publish; complete creator onboarding first',
      );
    const status = statusFor(v.draft, v.publish_at);
    const { rows } = await tx.query<{ id: string }>(
      `insert into public.posts (author_id, visibility, price_coins, status, publish_at)
       values (public.current_persona_id(), $1, $2, $3, $4) returning id`,
      [v.visibility, v.price_coins ?? null, status, v.publish_at ?? null],
    );
    const id = rows[0]!.id;
    await tx.query('insert into public.post_contents (post_id, body) values ($1, $2)', [id, v.body]);
    await attachMedia(tx, id, v.media_ids);
    return loadPost(tx, id);
  });
}

export async function updatePost(
  db: Database,
  claims: JwtClaims,
  id: string,
  patch: UpdatePost,
): Promise<Post> {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{
      status: string;
      visibility: string;
      price_coins: string | null;
      publish_at: Date | null;
    }>(
      'select status, visibility, price_coins, publish_at from public.posts where id = $1 and author_id = public.current_persona_id() for update',
      [id],
    );
    const cur = rows[0];
    if (!cur) throw notFound('post');
    const visibility = patch.visibility ?? cur.visibility;
    const price =
      patch.price_coins !== undefined
        ? patch.price_coins
        : cur.price_coins === null
          ? null
          : Number(cur.price_coins);
    if ((visibility === 'ppv') !== (price !== null && price !== undefined)) {
      throw new DomainError(
        'validation',
        'validation_failed',
        'price_coins is required for ppv posts and only allowed on them',
        {
          fields: [{ path: 'price_coins', message: 'must match visibility' }],
        },
      );
    }
    let status = cur.status;
    let publishAt = patch.publish_at !== undefined ? patch.publish_at : iso(cur.publish_at);
    if (cur.status !== 'published' && (patch.draft !== undefined || patch.publish_at !== undefined)) {
      status = statusFor(patch.draft ?? false, publishAt);
    }
    if (cur.status === 'published' && patch.draft) {
      throw new DomainError(
        'conflict',
        'already_published',
        'a published post cannot go back to draft; delete it instead',
      );
    }
    if (status === 'published' && cur.status !== 'published') publishAt = null;
    await tx.query(
      'update public.posts set visibility = $2, price_coins = $3, status = $4, publish_at = $5, updated_at = now() where id = $1',
      [id, visibility, price ?? null, status, publishAt],
    );
    if (patch.body !== undefined)
      await tx.query('update public.post_contents set body = $2 where post_id = $1', [id, patch.body]);
    if (patch.media_ids !== undefined) await attachMedia(tx, id, patch.media_ids);
    return loadPost(tx, id);
  });
}

export async function deletePost(db: Database, claims: JwtClaims, id: string): Promise<void> {
  await db.asUser(claims, async (tx) => {
    const res = await tx.query(
      'delete from public.posts where id = $1 and author_id = public.current_persona_id()',
      [id],
    );
    if (res.rowCount !== 1) throw notFound('post');
  });
}

export const getPost = (db: Database, claims: JwtClaims | null, id: string) =>
  db.as(claims, (tx) => loadPost(tx, id));

/**
 * Published posts newest first: candidate-first (decision 021). `candidates` is SQL returning the ids of the
 * page (limit + 1, after the cursor), read from an index with the policies checked on those rows only; the
 * full row (entitlement, body, media, blur: the expensive part) is then read for just those ids, still under
 * RLS. An `= any(array(…))` is an init plan, so the second read is a primary-key lookup whatever the plan.
 */
function publishedPage(candidates: string) {
  return `${SELECT_POSTS} where p.id = any (array(${candidates}))
    order by p.published_at desc, p.id desc`;
}

/**
 * The keyset predicate on (published_at, id) with the cursor in parameters $n and $n+1; left out of the first
 * page's text (no `$1 is null or …`), so when present it is an index condition, not a filter.
 */
const afterPublished = (alias: string, after: { at: string; id: string } | null, n: number) =>
  after ? `and (${alias}.published_at, ${alias}.id) < ($${n}::timestamptz, $${n + 1}::uuid)` : '';

const cursorParams = (after: { at: string; id: string } | null) => (after ? [after.at, after.id] : []);

/** Published posts of one profile, newest first (teasers for locked ones). */
export async function profilePosts(
  db: Database,
  claims: JwtClaims | null,
  handle: string,
  q: { cursor?: string; limit: number },
) {
  const after = decodeCursor(q.cursor);
  return db.as(claims, async (tx) => {
    const { rows: prof } = await tx.query<{ id: string }>(
      `select id from public.profiles where handle = $1 and status = 'active'`,
      [handle.toLowerCase()],
    );
    if (!prof[0]) throw notFound('profile');
    // The author's index (posts_author_published_idx) in order, stopping at limit + 1.
    const { rows } = await tx.query<PostRow>(
      publishedPage(`select c.id from public.posts c
        where c.author_id = $2 and c.status = 'published' ${afterPublished('c', after, 3)}
        order by c.published_at desc, c.id desc limit $1`),
      [q.limit + 1, prof[0].id, ...cursorParams(after)],
    );
    return pageOf(rows, q.limit, 'published');
  });
}

/** The caller's own posts of every status (drafts, scheduled, published), newest first. */
export async function myPosts(db: Database, claims: JwtClaims, q: { cursor?: string; limit: number }) {
  const after = decodeCursor(q.cursor);
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<PostRow>(
      `${SELECT_POSTS} where p.author_id = public.current_persona_id()
         and ($1::timestamptz is null or (p.created_at, p.id) < ($1::timestamptz, $2::uuid))
       order by p.created_at desc, p.id desc limit $3`,
      [after?.at ?? null, after?.id ?? null, q.limit + 1],
    );
    return pageOf(rows, q.limit, 'created');
  });
}

/**
 * Published posts of the profiles the active persona follows, newest first, keyset-paginated.
 *
 * Candidate-first (decision 021): for each followed profile the viewer can see (the profiles policy runs once
 * per followee, so a hidden author's posts are never read), at most limit + 1 of its newest published posts
 * after the cursor come from posts_author_published_idx; the merged top limit + 1 are the page. The posts
 * policy runs inside each per-author scan, before its limit, so a row RLS hides never takes a slot: the page is
 * exactly the old "all followed posts, sorted, limited" one, at O(followees × page) instead of O(posts).
 */
export function feedQuery(after: { at: string; id: string } | null, limit: number) {
  return {
    text: publishedPage(`select c.id from public.follows f
        join public.profiles a on a.id = f.followee_id
        cross join lateral (
          select p.id, p.published_at from public.posts p
          where p.author_id = f.followee_id and p.status = 'published' ${afterPublished('p', after, 2)}
          order by p.published_at desc, p.id desc limit $1) c
        where f.follower_id = public.current_persona_id()
        order by c.published_at desc, c.id desc limit $1`),
    values: [limit + 1, ...cursorParams(after)],
  };
}

export async function feed(db: Database, claims: JwtClaims, q: { cursor?: string; limit: number }) {
  const after = decodeCursor(q.cursor);
  return db.asUser(claims, async (tx) => {
    const { text, values } = feedQuery(after, q.limit);
    const { rows } = await tx.query<PostRow>(text, values);
    return pageOf(rows, q.limit, 'published');
  });
}

/** Scheduled posts whose time has come; the scheduler and the publish-scheduled edge function call this. */
export async function publishDuePosts(db: Database, asOf: Date = new Date()): Promise<number> {
  return db.service('job:publish-scheduled', async (tx) => {
    const { rows } = await tx.query<{ n: number }>('select public.publish_due_posts($1) as n', [
      asOf.toISOString(),
    ]);
    return Number(rows[0]?.n ?? 0);
  });
}
