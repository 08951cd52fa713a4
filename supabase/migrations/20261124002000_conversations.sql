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
create policy "Blockers see their blocks" on public.blocks
  for select to authenticated using (blocker_id = (select public.current_persona_id()));
create policy "Blockers block as themselves" on public.blocks
  for insert to authenticated with check (blocker_id = (select public.current_persona_id()));
create policy "Blockers lift their blocks" on public.blocks
  for delete to authenticated using (blocker_id = (select public.current_persona_id()));
revoke update on public.blocks from authenticated;

-- Has `target` blocked the active persona? Security definer: the blocked side cannot read blocks itself.
create function public.blocked_by(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.blocks b
                 where b.blocker_id = target and b.blocked_id = public.current_persona_id())
$$;

create function public.blocked_between(a uuid, b uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.blocks x
                 where (x.blocker_id = a and x.blocked_id = b) or (x.blocker_id = b and x.blocked_id = a))
$$;
revoke execute on function public.blocked_between(uuid, uuid) from public, anon, authenticated;

-- A blocker's profile does not exist for the persona they blocked.
drop policy "Active profiles are visible to everyone" on public.profiles;
create policy "Active profiles are visible to everyone" on public.profiles
  for select to anon, authenticated
  using ((status = 'active' or id = (select public.current_persona_id()))
         and ((select public.current_persona_id()) is null or not public.blocked_by(id)));

-- One 1:1 conversation per pair of personas: the sorted pair is the key, so concurrent starts converge.
alter table public.conversations add column direct_key text unique;

-- Sends go through send_message (blocks, media ownership, ordering); read state and request answers through
-- their functions. Members keep reading under the existing select policies.
drop policy "Members send as themselves" on public.messages;
revoke insert on public.messages from authenticated;
drop policy "Members update their own membership" on public.conversation_members;
revoke insert, update, delete on public.conversation_members from authenticated;
revoke insert, update, delete on public.conversations from authenticated;

create function public.start_conversation(p_other uuid) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
  my_kind text;
  other_kind text;
  key text;
  conv uuid;
  other_state text;
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if p_other = me then raise exception 'you cannot message yourself' using errcode = '22023'; end if;
  select p.kind into my_kind from public.profiles p where p.id = me;
  select p.kind into other_kind from public.profiles p where p.id = p_other and p.status = 'active';
  -- A blocker is indistinguishable from a missing profile for the persona they blocked.
  if other_kind is null or exists (select 1 from public.blocks b where b.blocker_id = p_other and b.blocked_id = me) then
    raise exception 'profile not found' using errcode = 'IP404';
  end if;
  if exists (select 1 from public.blocks b where b.blocker_id = me and b.blocked_id = p_other) then
    raise exception 'unblock this profile first' using errcode = 'IP403';
  end if;
  if other_kind <> my_kind then
    raise exception 'conversations are only between personas of the same kind' using errcode = '42501';
  end if;
  key := least(me::text, p_other::text) || ':' || greatest(me::text, p_other::text);
  select c.id into conv from public.conversations c where c.direct_key = key;
  if conv is null then
    insert into public.conversations (kind, direct_key) values (my_kind, key)
      on conflict (direct_key) do nothing returning id into conv;
    if conv is null then
      select c.id into conv from public.conversations c where c.direct_key = key;
    else
      -- Someone who does not follow you reaches you as a request.
      other_state := case when exists (select 1 from public.follows f where f.follower_id = p_other and f.followee_id = me)
                          then 'active' else 'request' end;
      insert into public.conversation_members (conversation_id, profile_id, state, last_read_at)
        values (conv, me, 'active', now()), (conv, p_other, other_state, null);
      return conv;
    end if;
  end if;
  -- Re-opening a conversation the caller had declined or left.
  update public.conversation_members m set state = 'active'
    where m.conversation_id = conv and m.profile_id = me and m.state in ('declined', 'left');
  return conv;
end
$$;
revoke execute on function public.start_conversation(uuid) from public, anon;

create function public.send_message(p_conversation uuid, p_body text, p_media uuid) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
  my_state text;
  media_kind text;
  msg uuid;
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  select m.state into my_state from public.conversation_members m
    where m.conversation_id = p_conversation and m.profile_id = me;
  if my_state is null or my_state = 'left' then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  if exists (select 1 from public.conversation_members o
             where o.conversation_id = p_conversation and o.profile_id <> me
               and public.blocked_between(me, o.profile_id)) then
    raise exception 'you cannot message this conversation' using errcode = 'IP403';
  end if;
  if coalesce(length(p_body), 0) = 0 and p_media is null then
    raise exception 'a message needs a body or media' using errcode = '22023';
  end if;
  if p_media is not null then
    select case split_part(o.content_type, '/', 1) when 'image' then 'image' when 'audio' then 'audio'
                when 'video' then 'video' end
      into media_kind
      from public.media_objects o where o.id = p_media and o.owner_id = me and o.status = 'ready';
    if media_kind is null then
      raise exception 'media must be your own uploaded image, audio or video' using errcode = '22023';
    end if;
  end if;
  -- Serialise senders per conversation and stamp after the lock: created_at then follows commit order, so
  -- catch-up by (created_at, id) cursor never skips a message committed late.
  perform pg_advisory_xact_lock(hashtextextended('conversation:' || p_conversation::text, 0));
  insert into public.messages (conversation_id, sender_id, kind, body, media_id, created_at)
    values (p_conversation, me, coalesce(media_kind, 'text'), coalesce(p_body, ''), p_media, clock_timestamp())
    returning id into msg;
  -- Replying answers a request; the sender has read their own message.
  update public.conversation_members m set state = 'active', last_read_at = clock_timestamp()
    where m.conversation_id = p_conversation and m.profile_id = me;
  return msg;
end
$$;
revoke execute on function public.send_message(uuid, text, uuid) from public, anon;

create function public.mark_conversation_read(p_conversation uuid) returns timestamptz
language plpgsql security definer
set search_path = ''
as $$
declare
  at timestamptz;
begin
  update public.conversation_members m set last_read_at = greatest(coalesce(m.last_read_at, '-infinity'), clock_timestamp())
    where m.conversation_id = p_conversation and m.profile_id = public.current_persona_id() and m.state <> 'left'
    returning m.last_read_at into at;
  if at is null then raise exception 'conversation not found' using errcode = 'IP404'; end if;
  return at;
end
$$;
revoke execute on function public.mark_conversation_read(uuid) from public, anon;

-- accept | decline | block, for the caller's own membership.
create function public.respond_to_conversation(p_conversation uuid, p_action text) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
  next_state text;
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if p_action not in ('accept', 'decline', 'block') then
    raise exception 'action must be accept, decline or block' using errcode = '22023';
  end if;
  next_state := case p_action when 'accept' then 'active' else 'declined' end;
  update public.conversation_members m set state = next_state
    where m.conversation_id = p_conversation and m.profile_id = me and m.state <> 'left';
  if not found then raise exception 'conversation not found' using errcode = 'IP404'; end if;
  if p_action = 'block' then
    insert into public.blocks (blocker_id, blocked_id)
      select me, o.profile_id from public.conversation_members o
      where o.conversation_id = p_conversation and o.profile_id <> me
      on conflict do nothing;
  end if;
  return next_state;
end
$$;
revoke execute on function public.respond_to_conversation(uuid, text) from public, anon;

-- Typing indicators: a member (not blocked) announces itself; nothing is stored.
create function public.broadcast_typing(p_conversation uuid) returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
begin
  if me is null or not exists (select 1 from public.conversation_members m
                               where m.conversation_id = p_conversation and m.profile_id = me and m.state in ('active', 'request')) then
    return false;
  end if;
  if exists (select 1 from public.conversation_members o
             where o.conversation_id = p_conversation and o.profile_id <> me and public.blocked_between(me, o.profile_id)) then
    return false;
  end if;
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'typing', 'conversation_id', p_conversation, 'profile_id', me)::text);
  return true;
end
$$;
revoke execute on function public.broadcast_typing(uuid) from public, anon;

create function public.broadcast_message() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'message', 'conversation_id', new.conversation_id, 'id', new.id)::text);
  return null;
end
$$;
create trigger messages_broadcast after insert on public.messages
  for each row execute function public.broadcast_message();

create function public.broadcast_read() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'read', 'conversation_id', new.conversation_id, 'profile_id', new.profile_id)::text);
  return null;
end
$$;
create trigger conversation_members_read_broadcast after update of last_read_at on public.conversation_members
  for each row when (new.last_read_at is distinct from old.last_read_at)
  execute function public.broadcast_read();
