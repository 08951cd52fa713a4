-- Creator content: media objects, posts (metadata public, contents gated), follows, subscriptions, PPV unlocks.
--
-- A post is split in two tables on purpose: `posts` holds what a teaser shows (author, visibility, price,
-- times) and is readable by anyone once published; `post_contents` and `post_media` hold what is paid for
-- and are readable only through `can_access_post`. Row-level security cannot hide a column, so the split is
-- what keeps a PPV body away from someone querying the table directly.

create table public.media_objects (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references public.profiles (id) on delete cascade,
  bucket text not null check (bucket in ('creator-media', 'asmr', 'ai-content', 'shadow-content')),
  object_path text not null unique,
  content_type text not null,
  size_bytes bigint not null check (size_bytes > 0),
  status text not null default 'pending' check (status in ('pending', 'ready')),
  sha256 text,
  created_at timestamptz not null default now(),
  ready_at timestamptz
);
create index media_objects_owner_idx on public.media_objects (owner_id);
alter table public.media_objects enable row level security;

alter table public.profiles
  add constraint profiles_avatar_fk foreign key (avatar_media_id) references public.media_objects (id) on delete set null;

create table public.posts (
  id uuid primary key default gen_random_uuid(),
  author_id uuid not null references public.profiles (id) on delete cascade,
  visibility text not null default 'public' check (visibility in ('public', 'followers', 'subscribers', 'ppv')),
  price_coins bigint check (price_coins is null or price_coins > 0),
  status text not null default 'draft' check (status in ('draft', 'scheduled', 'published')),
  publish_at timestamptz,
  published_at timestamptz,
  is_demo boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint posts_ppv_price check ((visibility = 'ppv') = (price_coins is not null)),
  constraint posts_schedule check (status <> 'scheduled' or publish_at is not null)
);
create index posts_author_published_idx on public.posts (author_id, published_at desc, id desc) where status = 'published';
create index posts_due_idx on public.posts (publish_at) where status = 'scheduled';
alter table public.posts enable row level security;

create table public.post_contents (
  post_id uuid primary key references public.posts (id) on delete cascade,
  body text not null default '' check (length(body) <= 5000)
);
alter table public.post_contents enable row level security;

create table public.post_media (
  post_id uuid not null references public.posts (id) on delete cascade,
  media_id uuid not null references public.media_objects (id) on delete cascade,
  position int not null default 0,
  primary key (post_id, media_id)
);
create index post_media_media_idx on public.post_media (media_id);
alter table public.post_media enable row level security;

create table public.follows (
  follower_id uuid not null references public.profiles (id) on delete cascade,
  followee_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (follower_id, followee_id),
  check (follower_id <> followee_id)
);
create index follows_followee_idx on public.follows (followee_id, created_at desc);
alter table public.follows enable row level security;

create table public.subscription_tiers (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references public.profiles (id) on delete cascade,
  name text not null check (length(name) between 1 and 60),
  price_coins bigint not null check (price_coins > 0),
  trial_days int not null default 0 check (trial_days between 0 and 90),
  active boolean not null default true,
  created_at timestamptz not null default now()
);
alter table public.subscription_tiers enable row level security;

create table public.subscriptions (
  id uuid primary key default gen_random_uuid(),
  subscriber_id uuid not null references public.profiles (id) on delete cascade,
  creator_id uuid not null references public.profiles (id) on delete cascade,
  tier_id uuid not null references public.subscription_tiers (id),
  status text not null check (status in ('trialing', 'active', 'past_due', 'canceled', 'expired')),
  current_period_start timestamptz not null,
  current_period_end timestamptz not null,
  cancel_at_period_end boolean not null default false,
  created_at timestamptz not null default now(),
  unique (subscriber_id, creator_id)
);
alter table public.subscriptions enable row level security;

create table public.ppv_unlocks (
  id uuid primary key default gen_random_uuid(),
  buyer_id uuid not null references public.profiles (id) on delete cascade,
  post_id uuid not null references public.posts (id) on delete cascade,
  price_coins bigint not null check (price_coins > 0),
  ledger_transaction_id uuid,
  created_at timestamptz not null default now(),
  unique (buyer_id, post_id)
);
alter table public.ppv_unlocks enable row level security;

-- The single entitlement rule for paid and restricted content.
create function public.can_access_post(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.posts p
    where p.id = target
      and (
        p.author_id = public.current_persona_id()
        or (
          p.status = 'published'
          and (
            p.visibility = 'public'
            or (p.visibility = 'followers' and (
              exists (select 1 from public.follows f where f.follower_id = public.current_persona_id() and f.followee_id = p.author_id)
              or exists (select 1 from public.subscriptions s where s.subscriber_id = public.current_persona_id()
                         and s.creator_id = p.author_id and s.status in ('trialing', 'active', 'past_due') and s.current_period_end > now())
            ))
            or (p.visibility = 'subscribers' and exists (
              select 1 from public.subscriptions s where s.subscriber_id = public.current_persona_id()
                and s.creator_id = p.author_id and s.status in ('trialing', 'active', 'past_due') and s.current_period_end > now()))
            or (p.visibility = 'ppv' and exists (
              select 1 from public.ppv_unlocks u where u.buyer_id = public.current_persona_id() and u.post_id = p.id))
          )
        )
      )
  )
$$;

create function public.can_access_media(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.media_objects m where m.id = target and m.owner_id = public.current_persona_id())
    or exists (select 1 from public.post_media pm where pm.media_id = target and public.can_access_post(pm.post_id))
    or exists (select 1 from public.profiles p where p.avatar_media_id = target and p.status = 'active')
$$;

create function public.is_post_author(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$ select exists (select 1 from public.posts p where p.id = target and p.author_id = public.current_persona_id()) $$;

-- media_objects
-- Rows are created and marked ready by the storage service after it has checked the bytes.
create policy "Owners see their media" on public.media_objects
  for select to authenticated using (owner_id = (select public.current_persona_id()));
create policy "Owners delete their media" on public.media_objects
  for delete to authenticated using (owner_id = (select public.current_persona_id()));
create policy "Entitled viewers can see media" on public.media_objects
  for select to anon, authenticated using (public.can_access_media(id));
revoke insert, update on public.media_objects from anon, authenticated;

-- posts: authors see everything of theirs; everyone sees published teasers.
create policy "Published posts are visible as teasers" on public.posts
  for select to anon, authenticated using (status = 'published' or author_id = (select public.current_persona_id()));
create policy "Creators write their own posts" on public.posts
  for insert to authenticated
  with check (
    author_id = (select public.current_persona_id())
    and exists (select 1 from public.profiles p where p.id = author_id and p.is_creator)
  );
create policy "Creators edit their own posts" on public.posts
  for update to authenticated
  using (author_id = (select public.current_persona_id()))
  with check (author_id = (select public.current_persona_id()));
create policy "Creators delete their own posts" on public.posts
  for delete to authenticated using (author_id = (select public.current_persona_id()));
-- Authors choose what and when; publication time and demo marking belong to the server.
revoke insert, update on public.posts from anon, authenticated;
grant insert (id, author_id, visibility, price_coins, status, publish_at) on public.posts to authenticated;
grant update (visibility, price_coins, status, publish_at, updated_at) on public.posts to authenticated;

create function public.stamp_post_publication() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = 'published' and (tg_op = 'INSERT' or old.status <> 'published') then
    new.published_at := now();
    new.publish_at := coalesce(new.publish_at, new.published_at);
  elsif new.status <> 'published' then
    new.published_at := null;
  end if;
  if new.status = 'scheduled' and new.publish_at <= now() and tg_op = 'INSERT' then
    raise exception 'publish_at must be in the future' using errcode = '22023';
  end if;
  return new;
end
$$;
create trigger posts_stamp_publication before insert or update on public.posts
  for each row execute function public.stamp_post_publication();

create policy "Entitled viewers read post contents" on public.post_contents
  for select to anon, authenticated using (public.can_access_post(post_id));
create policy "Authors write post contents" on public.post_contents
  for all to authenticated using (public.is_post_author(post_id)) with check (public.is_post_author(post_id));

create policy "Entitled viewers see post media" on public.post_media
  for select to anon, authenticated using (public.can_access_post(post_id));
create policy "Authors attach their own media" on public.post_media
  for all to authenticated
  using (public.is_post_author(post_id))
  with check (
    public.is_post_author(post_id)
    and exists (select 1 from public.media_objects m where m.id = media_id and m.owner_id = (select public.current_persona_id()))
  );

-- follows: both ends see the edge; only the follower creates or removes it.
create policy "Both ends see a follow" on public.follows
  for select to authenticated
  using (follower_id = (select public.current_persona_id()) or followee_id = (select public.current_persona_id()));
create policy "A persona follows as itself" on public.follows
  for insert to authenticated with check (follower_id = (select public.current_persona_id()));
create policy "A persona unfollows as itself" on public.follows
  for delete to authenticated using (follower_id = (select public.current_persona_id()));
revoke all on public.follows from anon;

-- subscriptions, tiers, unlocks: changed only by the economy's SQL functions.
create policy "Active tiers are public" on public.subscription_tiers
  for select to anon, authenticated using (active or creator_id = (select public.current_persona_id()));
create policy "Subscriber and creator see a subscription" on public.subscriptions
  for select to authenticated
  using (subscriber_id = (select public.current_persona_id()) or creator_id = (select public.current_persona_id()));
create policy "Buyer and creator see an unlock" on public.ppv_unlocks
  for select to authenticated
  using (buyer_id = (select public.current_persona_id()) or public.is_post_author(post_id));
revoke insert, update, delete on public.subscription_tiers, public.subscriptions, public.ppv_unlocks from anon, authenticated;
revoke all on public.subscriptions, public.ppv_unlocks from anon;

-- Counting followers is public for creators' real profiles only: a shadow persona's audience stays hidden.
create function public.follower_count(target uuid) returns bigint
language sql stable security definer
set search_path = ''
as $$
  select case when p.is_creator and p.kind = 'real' then (select count(*) from public.follows f where f.followee_id = p.id) end
  from public.profiles p where p.id = target
$$;

create function public.is_following(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$ select exists (select 1 from public.follows f where f.follower_id = public.current_persona_id() and f.followee_id = target) $$;
