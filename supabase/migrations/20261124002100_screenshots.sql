-- Anti-screenshot log: the mobile app reports screenshots of sensitive screens; the owner of what was captured is
-- notified live ("X took a screenshot"), and a creator may choose to blur further previews for that viewer.
-- Events name personas only: never a user id, never the taker's other persona.

alter table public.profiles
  add column screenshot_policy text not null default 'notify'
    check (screenshot_policy in ('notify', 'notify_and_blur'));
grant update (screenshot_policy) on public.profiles to authenticated;

create table public.screenshot_events (
  id uuid primary key default gen_random_uuid(),
  taker_id uuid not null references public.profiles (id) on delete cascade,
  context text not null check (context in ('post', 'profile', 'chat')),
  target_id uuid not null,
  -- one row per notified owner (a chat has one row per other member)
  owner_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now()
);
create index screenshot_events_taker_idx on public.screenshot_events (taker_id, created_at desc);
create index screenshot_events_owner_taker_idx on public.screenshot_events (owner_id, taker_id);
alter table public.screenshot_events enable row level security;
create policy "Takers see their own screenshot events" on public.screenshot_events
  for select to authenticated using (taker_id = (select public.current_persona_id()));
create policy "Owners see screenshots of their content" on public.screenshot_events
  for select to authenticated using (owner_id = (select public.current_persona_id()));
revoke all on public.screenshot_events from anon;
revoke insert, update, delete on public.screenshot_events from authenticated;

alter table public.notifications drop constraint notifications_kind_check;
alter table public.notifications
  add constraint notifications_kind_check check (kind in ('new_follower', 'new_post', 'screenshot'));

-- Records a screenshot by the active persona and notifies the owner(s) of the target. Only what the taker can
-- see may be reported (published posts or their own, active profiles, conversations they are in); capturing
-- your own content records nothing. At most 10 reports a minute per persona (IP429).
create function public.report_screenshot(ctx text, target uuid) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
  owners uuid[];
  o uuid;
  n int := 0;
begin
  if me is null then
    raise exception 'not signed in' using errcode = '28000';
  end if;
  if (select count(*) from public.screenshot_events e
      where e.taker_id = me and e.created_at > now() - interval '1 minute') >= 10 then
    raise exception 'too many screenshot reports' using errcode = 'IP429';
  end if;
  if ctx = 'post' then
    select array[p.author_id] into owners from public.posts p
      where p.id = target and (p.status = 'published' or p.author_id = me);
  elsif ctx = 'profile' then
    select array[p.id] into owners from public.profiles p where p.id = target and p.status = 'active';
  elsif ctx = 'chat' then
    if public.is_conversation_member(target) then
      select coalesce(array_agg(m.profile_id), '{}') into owners from public.conversation_members m
        where m.conversation_id = target and m.profile_id <> me and m.state = 'active';
    end if;
  else
    raise exception 'unknown screenshot context' using errcode = '22023';
  end if;
  if owners is null then
    raise exception 'screenshot target not found' using errcode = 'IP404';
  end if;
  foreach o in array owners loop
    continue when o = me;
    insert into public.screenshot_events (taker_id, context, target_id, owner_id) values (me, ctx, target, o);
    insert into public.notifications (recipient_id, kind, actor_id, post_id)
      values (o, 'screenshot', me, case when ctx = 'post' then target end);
    n := n + 1;
  end loop;
  return n;
end
$$;
revoke execute on function public.report_screenshot(text, uuid) from public, anon;
grant execute on function public.report_screenshot(text, uuid) to authenticated;

-- Whether the active persona's previews of `author`'s content are blurred: the author chose notify_and_blur and
-- this viewer has captured their content before. Never true for the author themselves or for anon.
create function public.screenshot_blurred_for(author uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select public.current_persona_id() is not null and author <> public.current_persona_id()
    and exists (select 1 from public.profiles p where p.id = author and p.screenshot_policy = 'notify_and_blur')
    and exists (select 1 from public.screenshot_events e
                where e.owner_id = author and e.taker_id = public.current_persona_id())
$$;

-- The same for one media object: post media of such a creator is not served in the original to that viewer.
create function public.screenshot_blurred_media(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.media_objects m
                 where m.id = target and public.screenshot_blurred_for(m.owner_id)
                   and exists (select 1 from public.post_media pm where pm.media_id = m.id))
$$;
