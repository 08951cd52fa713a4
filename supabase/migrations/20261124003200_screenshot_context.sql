-- Screenshot notices name the conversation they happened in, so a chat can show its own banner; a hidden persona
-- (blocked, behind the firewall) cannot be reported on. The column cascades: when a conversation is deleted
-- (account deletion) its notices go with it.
alter table public.notifications
  add column conversation_id uuid references public.conversations (id) on delete cascade;
create index notifications_conversation_idx on public.notifications (conversation_id) where conversation_id is not null;

create or replace function public.report_screenshot(ctx text, target uuid) returns int
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
  -- A hidden persona's profile or post is as missing here as everywhere else.
  if owners is null or (ctx in ('post', 'profile') and public.persona_hidden(owners[1])) then
    raise exception 'screenshot target not found' using errcode = 'IP404';
  end if;
  foreach o in array owners loop
    continue when o = me;
    insert into public.screenshot_events (taker_id, context, target_id, owner_id) values (me, ctx, target, o);
    insert into public.notifications (recipient_id, kind, actor_id, post_id, conversation_id)
      values (o, 'screenshot', me, case when ctx = 'post' then target end, case when ctx = 'chat' then target end);
    n := n + 1;
  end loop;
  return n;
end
$$;
