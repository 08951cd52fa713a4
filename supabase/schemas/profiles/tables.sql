-- Users, their two personas and the claims that carry the active persona into every request.
--
-- Persona model: every auth user owns exactly two profiles, kind 'real' and kind 'shadow'. `profiles` holds
-- only public fields and never the owning user's id; the link lives in `persona_links`, readable only by its
-- owner (and the service role). Everything users create is keyed by profile id (the persona), never user id.
create table public.profiles (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('real', 'shadow')),
  handle text not null unique check (handle ~ '^[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?$' and length(handle) between 3 and 30),
  display_name text not null check (length(display_name) between 1 and 60),
  bio text not null default '' check (length(bio) <= 500),
  avatar_media_id uuid,
  is_creator boolean not null default false,
  -- 'off': the shadow persona switched off by its owner (account domain): gone for everyone else until it is
  -- switched on again.
  status text not null default 'active' check (status in ('active', 'off', 'suspended', 'deleted')),
  is_demo boolean not null default false,
  -- Day resolution on purpose: both personas are created in one transaction, and an exact timestamp would
  -- let anyone pair a shadow profile with its real one.
  created_at timestamptz not null default date_trunc('day', now()),
  updated_at timestamptz not null default date_trunc('day', now()),
  -- Anti-screenshot: a creator may choose to blur further previews for a viewer who took a screenshot
  -- (messaging/functions.sql, report_screenshot).
  screenshot_policy text not null default 'notify' check (screenshot_policy in ('notify', 'notify_and_blur')),
  -- Profile search matches a prefix of this with starts_with(), which (unlike lower() and like) is leakproof, so
  -- it runs as an index condition ahead of the profiles policy instead of after it on every profile (decision 021).
  search_name text generated always as (lower(display_name)) stored
);
alter table public.profiles enable row level security;
-- Columns a persona may change itself; is_creator, status and is_demo change only through functions.
revoke update on public.profiles from anon, authenticated;
grant update (handle, display_name, bio, avatar_media_id, updated_at, screenshot_policy) on public.profiles to authenticated;

-- Deleting a media object checks (and its foreign key nulls) profiles.avatar_media_id: without an index that is
-- a scan of profiles per purged media row.
create index profiles_avatar_media_idx on public.profiles (avatar_media_id) where avatar_media_id is not null;
-- Search candidates (starts_with on these is an index range on text_pattern_ops, in any collation).
create index profiles_handle_prefix_idx on public.profiles (handle text_pattern_ops) where status = 'active';
create index profiles_search_name_prefix_idx on public.profiles (search_name text_pattern_ops) where status = 'active';
-- The cleaner starts from the (few) personas that are off or deleted.
create index profiles_off_idx on public.profiles (id) where status in ('off', 'deleted');

-- ---------------------------------------------------------------------------------------------------------
-- Handles: a handle, once released (renamed away, account deleted), is never issued again. So "taken" for a
-- handle the caller once saw means: visible, hidden from the caller, switched off, renamed away or deleted —
-- the same 409 for all, and a hidden persona reads like a gone one. Only a digest is kept.
-- ---------------------------------------------------------------------------------------------------------
create table public.retired_handles (
  handle_digest text primary key,
  retired_at timestamptz not null default date_trunc('day', now())
);
alter table public.retired_handles enable row level security;
revoke all on public.retired_handles from anon, authenticated;
