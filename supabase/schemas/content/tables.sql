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
-- Authors choose what and when; publication time and demo marking belong to the server.
revoke insert, update on public.posts from anon, authenticated;
grant insert (id, author_id, visibility, price_coins, status, publish_at) on public.posts to authenticated;
grant update (visibility, price_coins, status, publish_at, updated_at) on public.posts to authenticated;
create index posts_author_idx on public.posts (author_id);

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
revoke all on public.follows from anon;

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
revoke insert, update, delete on public.subscription_tiers from anon, authenticated;
-- Creators define their own subscription tiers.
grant insert (creator_id, name, price_coins, trial_days) on public.subscription_tiers to authenticated;
grant update (name, active) on public.subscription_tiers to authenticated;

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
  grace_until timestamptz,
  last_charge_transaction_id uuid references public.ledger_transactions (id),
  trial_used boolean not null default false,
  unique (subscriber_id, creator_id)
);
alter table public.subscriptions enable row level security;
revoke insert, update, delete on public.subscriptions from anon, authenticated;
revoke all on public.subscriptions from anon;
create index subscriptions_creator_idx on public.subscriptions (creator_id);

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
revoke insert, update, delete on public.ppv_unlocks from anon, authenticated;
revoke all on public.ppv_unlocks from anon;
