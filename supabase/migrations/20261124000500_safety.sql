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
create policy "Reporters file reports as themselves" on public.reports
  for insert to authenticated
  with check (reporter_user_id = (select auth.uid()) and reporter_profile_id = (select public.current_persona_id()));
create policy "Reporters see only their own reports" on public.reports
  for select to authenticated using (reporter_user_id = (select auth.uid()));
revoke all on public.reports from anon;
revoke update, delete on public.reports from authenticated;
revoke insert on public.reports from authenticated;
grant insert (target_type, target_id, reason, details, reporter_profile_id) on public.reports to authenticated;

create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  recipient_id uuid not null references public.profiles (id) on delete cascade,
  kind text not null check (kind in ('new_follower', 'new_post')),
  actor_id uuid references public.profiles (id) on delete cascade,
  post_id uuid references public.posts (id) on delete cascade,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index notifications_recipient_idx on public.notifications (recipient_id, created_at desc, id desc);
alter table public.notifications enable row level security;
create policy "Recipients see their notifications" on public.notifications
  for select to authenticated using (recipient_id = (select public.current_persona_id()));
create policy "Recipients mark their notifications read" on public.notifications
  for update to authenticated using (recipient_id = (select public.current_persona_id()))
  with check (recipient_id = (select public.current_persona_id()));
revoke all on public.notifications from anon;
revoke insert, update, delete on public.notifications from authenticated;
grant update (read_at) on public.notifications to authenticated;

create table public.ai_logs (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  profile_id uuid references public.profiles (id) on delete set null,
  kind text not null,
  provider text not null,
  model text,
  input jsonb not null default '{}'::jsonb,
  output jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
alter table public.ai_logs enable row level security;
create policy "Owners see their AI logs" on public.ai_logs
  for select to authenticated using (user_id = (select auth.uid()));
revoke all on public.ai_logs from anon;
revoke insert, update, delete on public.ai_logs from authenticated;

-- Keyed hashes (HMAC) of address-book phone numbers and emails, for the social firewall. Never raw values.
create table public.contact_hashes (
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null check (kind in ('phone', 'email')),
  hash text not null check (length(hash) between 32 and 128),
  created_at timestamptz not null default now(),
  primary key (user_id, kind, hash)
);
alter table public.contact_hashes enable row level security;
create policy "Owners manage their contact hashes" on public.contact_hashes
  for all to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
revoke all on public.contact_hashes from anon;

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

-- Notify a creator of a new follower, and a creator's followers of a newly published post.
create function public.notify_new_follower() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.notifications (recipient_id, kind, actor_id) values (new.followee_id, 'new_follower', new.follower_id);
  return null;
end
$$;
create trigger follows_notify after insert on public.follows
  for each row execute function public.notify_new_follower();

create function public.notify_new_post() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.status = 'published' and (tg_op = 'INSERT' or old.status <> 'published') then
    insert into public.notifications (recipient_id, kind, actor_id, post_id)
      select f.follower_id, 'new_post', new.author_id, new.id from public.follows f where f.followee_id = new.author_id;
  end if;
  return null;
end
$$;
create trigger posts_notify after insert or update of status on public.posts
  for each row execute function public.notify_new_post();

-- Realtime fan-out: every API process LISTENs and delivers to the recipient's open sockets. The payload names
-- only the recipient persona and row id; the process re-reads the row under the recipient's RLS.
create function public.broadcast_notification() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'notification', 'recipient_id', new.recipient_id, 'id', new.id)::text);
  return null;
end
$$;
create trigger notifications_broadcast after insert on public.notifications
  for each row execute function public.broadcast_notification();

-- The scheduled-publishing job (in-process scheduler, or the `publish-scheduled` edge function via pg_cron).
create function public.publish_due_posts(as_of timestamptz default now(), batch int default 500) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  n int;
begin
  with due as (
    select id from public.posts where status = 'scheduled' and publish_at <= as_of
    order by publish_at limit batch for update skip locked
  )
  update public.posts p set status = 'published', updated_at = now() from due where p.id = due.id;
  get diagnostics n = row_count;
  return n;
end
$$;
revoke execute on function public.publish_due_posts(timestamptz, int) from public, anon, authenticated;
grant execute on function public.publish_due_posts(timestamptz, int) to service_role;
