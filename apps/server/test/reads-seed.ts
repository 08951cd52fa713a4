/**
 * Set-based seed for the list-read tests and bench (feed, profile posts, notifications, search): users with
 * both personas, creators of both kinds, posts of every visibility and status (scheduled, drafts, PPV) with
 * tied timestamps, follows, blocks both ways, firewalled shadows, switched-off shadows, subscriptions in every
 * state, PPV unlocks, screenshot blur and notifications. Everything is `generate_series` + `random()`
 * (seeded with `setseed`), never a row per round trip, so 100k posts take seconds.
 *
 * Runs on the driver as the database owner: posts are written with `session_replication_role = replica` so
 * the publication trigger keeps the seeded `published_at` (and does not fan out a notification per follower).
 */
import type { Database, JwtClaims } from '@ipelya/db';

export type ReadsSeedOptions = {
  users: number;
  creators: number;
  postsPerCreator: number;
  followsPerPersona: number;
  /** 0..1, fraction for blocks, unlocks and the like; defaults suit an equivalence test. */
  blockRate?: number;
  seed?: number;
  /** Share of (follower, PPV post) pairs unlocked; default 0.3. */
  unlockRate?: number;
  /** Also add notifications (2 per follow edge on average) and screenshot events. */
  extras?: boolean;
};

export type Viewer = { claims: JwtClaims; profileId: string; kind: 'real' | 'shadow' };

export async function seedReads(db: Database, o: ReadsSeedOptions) {
  const tag = `r${Math.floor(Math.random() * 1e9).toString(36)}`;
  const blockRate = o.blockRate ?? 0.02;
  return db.driver.transaction(async (tx) => {
    await tx.query('select setseed($1)', [o.seed ?? 0.42]);
    await tx.query(
      `insert into auth.users (email, email_confirmed_at, raw_app_meta_data)
       select $1 || '.' || i || '@example.com', now(), '{"provider":"email","providers":["email"]}'
       from generate_series(1, $2::int) i`,
      [tag, o.users],
    );
    // n: 1..users in sign-up order; the first `creators` users are creators (real persona, every 3rd shadow too).
    await tx.query(
      `create temp table seed_people on commit drop as
       select (split_part(split_part(u.email, '@', 1), '.', 2))::int as n, u.id as user_id,
              r.profile_id as real_id, s.profile_id as shadow_id
       from auth.users u
       join public.persona_links r on r.user_id = u.id and r.kind = 'real'
       join public.persona_links s on s.user_id = u.id and s.kind = 'shadow'
       where u.email like $1 || '.%'`,
      [tag],
    );
    await tx.query(
      `create temp table seed_creators on commit drop as
       select real_id as id, 'real' as kind, n from seed_people where n <= $1
       union all select shadow_id, 'shadow', n from seed_people where n <= $1 and n % 3 = 0`,
      [o.creators],
    );
    await tx.query(
      `update public.profiles p set is_creator = true,
              screenshot_policy = case when c.n % 4 = 0 then 'notify_and_blur' else 'notify' end
       from seed_creators c where c.id = p.id`,
    );
    await tx.query('set local session_replication_role = replica');
    // Timestamps on a coarse grid (minutes), so many posts share one: the cursor's id tie-break is exercised.
    await tx.query(
      `with g as (
         select c.id as author_id, random() as v, random() as s, floor(random() * $2 * 2)::int as age
         from seed_creators c, generate_series(1, $1::int))
       insert into public.posts (author_id, visibility, price_coins, status, publish_at, published_at, created_at, updated_at)
       select author_id,
              case when v < 0.4 then 'public' when v < 0.6 then 'followers' when v < 0.8 then 'subscribers' else 'ppv' end,
              case when v >= 0.8 then 5 + floor(random() * 50)::int end,
              case when s < 0.86 then 'published' when s < 0.93 then 'scheduled' else 'draft' end,
              case when s < 0.86 then now() - age * interval '1 minute'
                   when s < 0.93 then now() + (1 + age) * interval '1 minute' end,
              case when s < 0.86 then now() - age * interval '1 minute' end,
              now() - age * interval '1 minute' - interval '1 hour', now()
       from g`,
      [o.postsPerCreator, o.postsPerCreator],
    );
    await tx.query(
      `insert into public.post_contents (post_id, body)
       select p.id, 'body of ' || p.id from public.posts p join seed_creators c on c.id = p.author_id`,
    );
    // Every persona (real and shadow) follows random creators; a creator never follows itself.
    await tx.query(
      `insert into public.follows (follower_id, followee_id)
       select distinct f.id, c.id
       from (select real_id as id from seed_people union all select shadow_id from seed_people) f
       cross join lateral (select c.id from seed_creators c where c.id <> f.id
                           order by random() limit $1) c
       on conflict do nothing`,
      [o.followsPerPersona],
    );
    // Blocks both ways between followers and the creators they follow.
    await tx.query(
      `insert into public.blocks (blocker_id, blocked_id)
       select f.follower_id, f.followee_id from public.follows f join seed_creators c on c.id = f.followee_id
       where random() < $1
       union
       select f.followee_id, f.follower_id from public.follows f join seed_creators c on c.id = f.followee_id
       where random() < $1
       on conflict do nothing`,
      [blockRate],
    );
    // Firewall: some shadow creators' owners have some viewers in their contacts.
    await tx.query(
      `insert into public.identity_hashes (user_id, kind, hash)
       select user_id, 'email', encode(sha256(convert_to('id:' || user_id, 'UTF8')), 'hex') from seed_people`,
    );
    await tx.query(
      `insert into public.contact_hashes (user_id, kind, hash)
       select o.user_id, 'email', encode(sha256(convert_to('id:' || v.user_id, 'UTF8')), 'hex')
       from seed_people o join seed_creators c on c.id = o.shadow_id
       cross join seed_people v
       where v.user_id <> o.user_id and random() < $1
       on conflict do nothing`,
      [Math.min(1, (blockRate * 200) / Math.max(1, o.users))],
    );
    // Some shadows are switched off; some real profiles suspended.
    await tx.query(
      `update public.profiles p set status = 'off' from seed_people s where s.shadow_id = p.id and s.n % 17 = 5`,
    );
    await tx.query(
      `update public.profiles p set status = 'suspended' from seed_people s where s.real_id = p.id and s.n % 29 = 7`,
    );
    // Subscriptions in every state, some ended.
    await tx.query(
      `insert into public.subscription_tiers (creator_id, name, price_coins) select id, 'tier', 10 from seed_creators`,
    );
    await tx.query(
      `insert into public.subscriptions (subscriber_id, creator_id, tier_id, status, current_period_start,
                                         current_period_end, grace_until)
       select f.follower_id, f.followee_id, t.id, st.status, now() - interval '20 days',
              now() + (case when r < 0.7 then 10 else -3 end) * interval '1 day',
              case when st.status = 'past_due' then now() + (case when r < 0.5 then 2 else -1 end) * interval '1 day' end
       from (select f.*, random() as r, random() as q from public.follows f) f
       join public.subscription_tiers t on t.creator_id = f.followee_id
       cross join lateral (select (array['trialing','active','past_due','canceled','expired'])[1 + floor(f.q * 5)::int] as status) st
       where f.r < 0.3`,
    );
    // Subscriptions without a follow, too (subscribers-only posts of creators one does not follow stay out).
    await tx.query(
      `insert into public.ppv_unlocks (buyer_id, post_id, price_coins)
       select f.follower_id, p.id, p.price_coins
       from public.follows f join public.posts p on p.author_id = f.followee_id and p.visibility = 'ppv'
       where random() < $1
       on conflict do nothing`,
      [o.unlockRate ?? 0.3],
    );
    if (o.extras !== false) {
      await tx.query(
        `insert into public.screenshot_events (taker_id, context, target_id, owner_id)
         select f.follower_id, 'profile', f.followee_id, f.followee_id from public.follows f where random() < 0.05`,
      );
      await tx.query(
        `insert into public.notifications (recipient_id, kind, actor_id, post_id, created_at, read_at)
         select f.followee_id, 'new_follower', f.follower_id, null, now() - floor(random() * 500) * interval '1 minute', null
         from public.follows f
         union all
         select f.follower_id, 'new_post', p.author_id, p.id, p.published_at, case when random() < 0.3 then now() end
         from public.follows f join public.posts p on p.author_id = f.followee_id and p.status = 'published'
         where random() < 0.2`,
      );
    }
    if (o.extras !== false) {
      // 1:1 conversations between followers and the creators they follow (same kind), members in every state,
      // messages on a minute grid, some expired, some paid; last reads anywhere in between.
      await tx.query(
        `create temp table seed_convs on commit drop as
         select gen_random_uuid() as id, f.follower_id as a, f.followee_id as b, fp.kind, random() as r
         from public.follows f join public.profiles fp on fp.id = f.follower_id
         join public.profiles tp on tp.id = f.followee_id and tp.kind = fp.kind
         where random() < 0.5`,
      );
      await tx.query(
        `insert into public.conversations (id, kind, direct_key)
         select id, kind, least(a::text, b::text) || ':' || greatest(a::text, b::text) from seed_convs
         on conflict do nothing`,
      );
      await tx.query(
        `insert into public.conversation_members (conversation_id, profile_id, state, last_read_at)
         select c.id, m.profile_id, m.state, now() - floor(random() * 300) * interval '1 minute'
         from seed_convs c join public.conversations k on k.id = c.id
         cross join lateral (values (c.a, case when c.r < 0.1 then 'left' else 'active' end),
                                    (c.b, case when c.r < 0.3 then 'request' when c.r < 0.35 then 'declined' else 'active' end))
           m (profile_id, state)`,
      );
      await tx.query(
        `insert into public.messages (conversation_id, sender_id, body, created_at, expires_at, price_coins)
         select c.id, case when random() < 0.5 then c.a else c.b end, 'hello ' || g,
                now() - floor(random() * 300) * interval '1 minute',
                case when random() < 0.1 then now() - interval '1 minute' when random() < 0.1 then now() + interval '1 hour' end,
                case when random() < 0.1 then 7 end
         from seed_convs c join public.conversations k on k.id = c.id
         cross join generate_series(1, floor(c.r * 5)::int) g`,
      );
    }
    await tx.query('set local session_replication_role = origin');
    await tx.query('analyze');
    // Claims minted by the hook that mints real access tokens; the shadow persona through session_state.
    await tx.query(
      `with p as (select s.user_id, k.kind from seed_people s cross join (values ('real'), ('shadow')) k (kind)),
            sess as (insert into auth.sessions (user_id) select user_id from p returning id, user_id),
            numbered as (select sess.*, row_number() over (partition by sess.user_id order by sess.id) as k from sess)
       insert into public.session_state (session_id, user_id, persona)
       select id, user_id, case when k = 1 then 'real' else 'shadow' end from numbered`,
    );
    const { rows } = await tx.query<{ claims: JwtClaims; kind: 'real' | 'shadow' }>(
      `select st.persona as kind,
              (public.custom_access_token_hook(jsonb_build_object('user_id', st.user_id,
                 'claims', jsonb_build_object('sub', st.user_id, 'role', 'authenticated', 'aud', 'authenticated',
                                              'session_id', st.session_id)))) -> 'claims' as claims
       from public.session_state st join seed_people s on s.user_id = st.user_id
       order by s.n, st.persona`,
    );
    const viewers: Viewer[] = rows
      .map((r) => ({ claims: r.claims, kind: r.kind, profileId: String(r.claims.persona_id) }))
      .filter((v) => v.claims.persona === v.kind);
    const creators = (
      await tx.query<{ id: string; handle: string; kind: string }>(
        'select p.id, p.handle, p.kind from seed_creators c join public.profiles p on p.id = c.id order by c.n, p.kind',
      )
    ).rows;
    return { viewers, creators, tag };
  });
}
