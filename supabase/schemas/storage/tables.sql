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
  ready_at timestamptz,
  -- Sealed media (decision 015): the id of the key its bytes were encrypted with (messaging/tables.sql).
  key_id text
);
create index media_objects_owner_idx on public.media_objects (owner_id);
alter table public.media_objects enable row level security;
-- profiles come first in schema_paths (media rows are owned by a profile), so the avatar's foreign key is added
-- here, once media_objects exists.
alter table public.profiles
  add constraint profiles_avatar_fk foreign key (avatar_media_id) references public.media_objects (id) on delete set null;
revoke insert, update on public.media_objects from anon, authenticated;
create index media_objects_key_idx on public.media_objects (key_id) where key_id is not null;
