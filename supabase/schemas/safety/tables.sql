-- Reports, notifications, AI logs, contact hashes and the audit log.
create table public.reports (
  id uuid primary key default gen_random_uuid(),
  -- the reporter is kept by user and persona so moderators can act on abuse of reporting; never exposed
  reporter_user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  reporter_profile_id uuid references public.profiles (id) on delete set null,
  target_type text not null check (target_type in ('profile', 'post', 'message')),
  target_id uuid not null,
  reason text not null check (reason in ('spam', 'harassment', 'nudity_without_consent', 'underage', 'copyright',
                                         'impersonation', 'violence', 'other')),
  details text not null default '' check (length(details) <= 2000),
  status text not null default 'open' check (status in ('open', 'reviewing', 'actioned', 'dismissed')),
  created_at timestamptz not null default now(),
  unique (reporter_user_id, target_type, target_id, reason)
);
create index reports_target_idx on public.reports (target_type, target_id);
alter table public.reports enable row level security;
revoke all on public.reports from anon;
revoke update, delete on public.reports from authenticated;
revoke insert on public.reports from authenticated;
grant insert (target_type, target_id, reason, details, reporter_profile_id) on public.reports to authenticated;

-- Append-only trail of privileged actions; no policy, so only the service role reads it.
create table public.audit_log (
  id bigserial primary key,
  actor_user_id uuid,
  action text not null,
  target_type text,
  target_id text,
  meta jsonb not null default '{}'::jsonb,
  request_id text,
  created_at timestamptz not null default now()
);
alter table public.audit_log enable row level security;
revoke all on public.audit_log from anon, authenticated;

-- Conversations core: same-kind 1:1 conversations, message requests, blocks, sending through one guarded
-- function, read state per persona and realtime NOTIFY (ids only; the server re-reads under the recipient's RLS).

-- Blocks are persona to persona; only the blocker sees or lifts them.
create table public.blocks (
  blocker_id uuid not null references public.profiles (id) on delete cascade,
  blocked_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (blocker_id, blocked_id),
  check (blocker_id <> blocked_id)
);
create index blocks_blocked_idx on public.blocks (blocked_id);
alter table public.blocks enable row level security;
revoke all on public.blocks from anon;
revoke update on public.blocks from authenticated;
