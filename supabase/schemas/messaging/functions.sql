-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

create function public.is_conversation_member(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.conversation_members m
                 where m.conversation_id = p_target and m.profile_id = public.current_persona_id() and m.state <> 'left')
    and not public.is_conversation_firewalled(p_target)
$$;

-- A paid message is read after paying its price once.
create function public.unlock_message(p_message uuid, p_idempotency_key text)
returns table (transaction_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  buyer uuid := public.current_persona_id();
  msg record;
  existing uuid;
  res record;
begin
  if auth.uid() is null or buyer is null then raise exception 'sign in first' using errcode = '28000'; end if;
  select m.id, m.sender_id, m.price_coins, m.conversation_id into msg from public.messages m where m.id = p_message;
  if not found or not public.is_conversation_member(msg.conversation_id) then
    raise exception 'message not found' using errcode = 'IP404';
  end if;
  if msg.price_coins is null then raise exception 'this message is free' using errcode = '22023'; end if;
  perform pg_advisory_xact_lock(hashtextextended('message:' || buyer::text || ':' || p_message::text, 0));
  select u.ledger_transaction_id into existing from public.message_unlocks u where u.message_id = p_message and u.buyer_id = buyer;
  if existing is not null then
    return query select existing, true;
    return;
  end if;
  select * into res from public.spend_to_creator('paid_message', auth.uid(), buyer, msg.sender_id, msg.price_coins,
    p_idempotency_key, jsonb_build_object('message_id', p_message, 'target', p_message::text));
  insert into public.message_unlocks (message_id, buyer_id, ledger_transaction_id) values (p_message, buyer, res.transaction_id)
    on conflict do nothing;
  return query select res.transaction_id, res.replayed;
end
$$;
revoke execute on function public.unlock_message(uuid, text) from public, anon;

-- Starting a conversation: a persona behind the firewall is indistinguishable from a missing one.
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
  if other_kind is null or public.is_blocked_by(p_other) or public.is_firewall_hidden(p_other) then
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
  -- Behind the firewall, switched off, or the other side blocked me: the conversation does not exist.
  if my_state is null or my_state = 'left' or not public.can_see_conversation(p_conversation)
     or exists (select 1 from public.conversation_members o
                where o.conversation_id = p_conversation and o.profile_id <> me and public.is_blocked_by(o.profile_id)) then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  if exists (select 1 from public.conversation_members o join public.blocks b on b.blocker_id = me and b.blocked_id = o.profile_id
             where o.conversation_id = p_conversation and o.profile_id <> me) then
    raise exception 'unblock this profile first' using errcode = 'IP403';
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
  if not public.can_see_conversation(p_conversation) then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
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
  if not public.can_see_conversation(p_conversation) then
    raise exception 'conversation not found' using errcode = 'IP404';
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

-- Typing from behind the firewall goes nowhere.
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
             where o.conversation_id = p_conversation and o.profile_id <> me and public.is_blocked_between(me, o.profile_id))
     or public.is_conversation_firewalled(p_conversation) then
    return false;
  end if;
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'typing', 'conversation_id', p_conversation, 'profile_id', me)::text);
  return true;
end
$$;
revoke execute on function public.broadcast_typing(uuid) from public, anon;

-- The sender's own read marker moves with every message (send_message): the message event names the sender as
-- reader and the read event of that update is left out, so one fan-out delivers both frames (decision 023).
create function public.broadcast_message() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform set_config('ipelya.read_announced', new.conversation_id::text || ':' || new.sender_id::text, true);
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'message', 'conversation_id', new.conversation_id,
    'id', new.id, 'reader_id', new.sender_id)::text);
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
  if current_setting('ipelya.read_announced', true) = new.conversation_id::text || ':' || new.profile_id::text then
    perform set_config('ipelya.read_announced', '', true);
    return null;
  end if;
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'read', 'conversation_id', new.conversation_id, 'profile_id', new.profile_id)::text);
  return null;
end
$$;

create trigger conversation_members_read_broadcast after update of last_read_at on public.conversation_members
  for each row when (new.last_read_at is distinct from old.last_read_at)
  execute function public.broadcast_read();

/*
 * Realtime fan-out: who of a conversation's members receives an event, and what RLS lets each of them see, in
 * one call for all members (the dispatcher used to re-read the row once per socket). For each member the
 * function takes the member's own claims (persona id + account) and evaluates the very predicates the select
 * policies call, so blocks, the firewall, a switched-off side, a left member and expiry decide as under RLS:
 * - receives: the member's own conversation_members row is visible to them (policies "Members see the member
 *   list" + "Members of hidden conversations are hidden") and they are active or a pending request;
 * - message_visible / message_locked: p_message as "Members read unexpired messages" + "Messages of hidden
 *   conversations are hidden" show it, and whether it is still sealed for them (paid, not theirs, not bought);
 * - read_visible: p_reader's read state, which a member who blocked them never shows.
 * The caller's claims are restored before it returns. realtime-fanout.test.ts holds the policy list this
 * mirrors: a new select policy on these tables fails it until it is added here.
 */
create function public.realtime_conversation_fanout(p_conversation uuid, p_message uuid, p_reader uuid)
returns table (recipient_id uuid, message_visible boolean, message_locked boolean, read_visible boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  outer_claims text := current_setting('request.jwt.claims', true);
  outer_sub text := current_setting('request.jwt.claim.sub', true);
  msg record;
  r record;
begin
  select m.sender_id, m.expires_at, m.price_coins into msg
    from public.messages m where m.id = p_message and m.conversation_id = p_conversation;
  for r in select cm.profile_id, l.user_id from public.conversation_members cm
             join public.persona_links l on l.profile_id = cm.profile_id
            where cm.conversation_id = p_conversation and cm.state in ('active', 'request')
  loop
    perform set_config('request.jwt.claims',
      json_build_object('sub', r.user_id, 'role', 'authenticated', 'persona_id', r.profile_id)::text, true);
    perform set_config('request.jwt.claim.sub', r.user_id::text, true);
    if public.is_conversation_member(p_conversation) and not public.has_conversation_off_member(p_conversation) then
      recipient_id := r.profile_id;
      message_visible := msg.sender_id is not null and (msg.expires_at is null or msg.expires_at > now());
      message_locked := message_visible and msg.price_coins is not null and msg.sender_id <> r.profile_id
        and not exists (select 1 from public.message_unlocks u where u.message_id = p_message and u.buyer_id = r.profile_id);
      read_visible := p_reader is not null and not public.is_blocked_by(p_reader);
      return next;
    end if;
  end loop;
  perform set_config('request.jwt.claims', coalesce(outer_claims, ''), true);
  perform set_config('request.jwt.claim.sub', coalesce(outer_sub, ''), true);
end
$$;
revoke execute on function public.realtime_conversation_fanout(uuid, uuid, uuid) from public, anon, authenticated;
grant execute on function public.realtime_conversation_fanout(uuid, uuid, uuid) to service_role;

-- Records a screenshot by the active persona and notifies the owner(s) of the target. Only what the taker can
-- see may be reported (published posts or their own, active profiles, conversations they are in); capturing
-- your own content records nothing. At most 10 reports a minute per persona (IP429).
create function public.report_screenshot(p_context text, p_target uuid) returns int
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
  if p_context = 'post' then
    select array[p.author_id] into owners from public.posts p
      where p.id = p_target and (p.status = 'published' or p.author_id = me);
  elsif p_context = 'profile' then
    select array[p.id] into owners from public.profiles p where p.id = p_target and p.status = 'active';
  elsif p_context = 'chat' then
    if public.is_conversation_member(p_target) then
      select coalesce(array_agg(m.profile_id), '{}') into owners from public.conversation_members m
        where m.conversation_id = p_target and m.profile_id <> me and m.state = 'active';
    end if;
  else
    raise exception 'unknown screenshot context' using errcode = '22023';
  end if;
  -- A hidden persona's profile or post is as missing here as everywhere else.
  if owners is null or (p_context in ('post', 'profile') and public.is_persona_hidden(owners[1])) then
    raise exception 'screenshot target not found' using errcode = 'IP404';
  end if;
  foreach o in array owners loop
    continue when o = me;
    insert into public.screenshot_events (taker_id, context, target_id, owner_id) values (me, p_context, p_target, o);
    insert into public.notifications (recipient_id, kind, actor_id, post_id, conversation_id)
      values (o, 'screenshot', me, case when p_context = 'post' then p_target end, case when p_context = 'chat' then p_target end);
    n := n + 1;
  end loop;
  return n;
end
$$;
revoke execute on function public.report_screenshot(text, uuid) from public, anon;
grant execute on function public.report_screenshot(text, uuid) to authenticated;

-- Whether the active persona's previews of `p_author`'s content are blurred: the author chose notify_and_blur and
-- this viewer has captured their content before. Never true for the author themselves or for anon.
create function public.is_screenshot_blurred_for(p_author uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select public.current_persona_id() is not null and p_author <> public.current_persona_id()
    and exists (select 1 from public.profiles p where p.id = p_author and p.screenshot_policy = 'notify_and_blur')
    and exists (select 1 from public.screenshot_events e
                where e.owner_id = p_author and e.taker_id = public.current_persona_id())
$$;

-- The same for one media object: post media of such a creator is not served in the original to that viewer.
create function public.is_screenshot_blurred_media(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.media_objects m
                 where m.id = p_target and public.is_screenshot_blurred_for(m.owner_id)
                   and exists (select 1 from public.post_media pm where pm.media_id = m.id))
$$;

create function public.timer_interval(p_timer text) returns interval
language sql immutable
set search_path = ''
as $$
  select case p_timer when '5m' then interval '5 minutes' when '1h' then interval '1 hour'
                      when '24h' then interval '24 hours' when '7d' then interval '7 days' end
$$;

-- New messages take the conversation's timer at send time (changing it later does not touch sent messages).
create function public.stamp_message_expiry() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  t text;
begin
  select c.timer into t from public.conversations c where c.id = new.conversation_id;
  if t = '30s_after_read' then
    new.read_ttl_seconds := 30;
    new.expires_at := null;
  elsif t is not null and t <> 'off' then
    new.expires_at := new.created_at + public.timer_interval(t);
  end if;
  return new;
end
$$;

create trigger messages_stamp_expiry before insert on public.messages
  for each row execute function public.stamp_message_expiry();

-- "30 s after read": the clock starts when the recipient's read marker passes the message.
create function public.start_read_timers() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.messages m set expires_at = new.last_read_at + make_interval(secs => m.read_ttl_seconds)
    where m.conversation_id = new.conversation_id and m.sender_id <> new.profile_id
      and m.read_ttl_seconds is not null and m.expires_at is null and m.created_at <= new.last_read_at;
  return null;
end
$$;

create trigger conversation_members_read_timers after update of last_read_at on public.conversation_members
  for each row when (new.last_read_at is not null and new.last_read_at is distinct from old.last_read_at)
  execute function public.start_read_timers();

-- Any member may set the timer.
create function public.set_conversation_timer(p_conversation uuid, p_timer text) returns text
language plpgsql security definer
set search_path = ''
as $$
begin
  if auth.uid() is null or public.current_persona_id() is null then
    raise exception 'sign in first' using errcode = '28000';
  end if;
  if p_timer not in ('off', '30s_after_read', '5m', '1h', '24h', '7d') then
    raise exception 'unknown timer' using errcode = '22023';
  end if;
  if not public.can_see_conversation(p_conversation) then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  update public.conversations set timer = p_timer where id = p_conversation;
  return p_timer;
end
$$;
revoke execute on function public.set_conversation_timer(uuid, text) from public, anon;

-- A view-once message carries media and is opened once by the recipient.
create function public.send_view_once_message(p_conversation uuid, p_body text, p_media uuid) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  msg uuid;
begin
  if p_media is null then raise exception 'a view-once message needs media' using errcode = '22023'; end if;
  msg := public.send_message(p_conversation, p_body, p_media);
  update public.messages set view_once = true where id = msg;
  return msg;
end
$$;
revoke execute on function public.send_view_once_message(uuid, text, uuid) from public, anon;

-- Marks a view-once message opened and returns its object for one signed URL. already_opened: answer 410.
create function public.open_view_once(p_message uuid)
returns table (media_id uuid, object_path text, content_type text, already_opened boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
  r record;
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  select m.id, m.sender_id, m.view_once, m.opened_at, o.id as mid, o.object_path, o.content_type
    into r
    from public.messages m left join public.media_objects o on o.id = m.media_id and o.status = 'ready'
    where m.id = p_message and public.is_conversation_member(m.conversation_id)
      and (m.expires_at is null or m.expires_at > now())
    for update of m;
  if r.id is null then raise exception 'message not found' using errcode = 'IP404'; end if;
  if not r.view_once then raise exception 'this message is not view-once' using errcode = '22023'; end if;
  if r.sender_id = me then raise exception 'only the recipient opens a view-once message' using errcode = '42501'; end if;
  if r.opened_at is not null or r.mid is null then
    return query select null::uuid, null::text, null::text, true;
    return;
  end if;
  update public.messages set opened_at = now() where id = p_message;
  return query select r.mid, r.object_path, r.content_type, false;
end
$$;
revoke execute on function public.open_view_once(uuid) from public, anon;

-- Each batch takes the oldest expired rows by the expiry index, then opened view-once rows by theirs: two
-- ordered, limited scans stay O(batch) however large the backlog after an outage (an OR of the two
-- conditions could be planned as a bitmap over every expired entry, per batch).
create function public.purge_expired_messages(p_as_of timestamptz, p_batch int) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  batch int := greatest(p_batch, 1);
  ids uuid[];
  medias uuid[];
begin
  with expired as (
    select m.id, m.media_id from public.messages m
    where m.expires_at is not null and m.expires_at <= p_as_of
    order by m.expires_at limit batch for update skip locked
  ), opened as (
    select m.id, m.media_id from public.messages m
    where m.opened_at is not null and not (m.expires_at is not null and m.expires_at <= p_as_of)
    order by m.opened_at limit batch for update skip locked
  ), picked as (
    select * from expired union all select * from opened
  )
  select coalesce(array_agg(d.id), '{}'), coalesce(array_agg(d.media_id) filter (where d.media_id is not null), '{}')
    into ids, medias
    from (select * from picked limit batch) d;
  if cardinality(ids) = 0 then return 0; end if;
  -- Notifications carry no message reference; unlocks cascade with the message row.
  delete from public.messages m where m.id = any (ids);
  with gone as (
    delete from public.media_objects o
      where o.id = any (medias)
        and not exists (select 1 from public.messages x where x.media_id = o.id)
        and not exists (select 1 from public.post_media pm where pm.media_id = o.id)
        and not exists (select 1 from public.profiles p where p.avatar_media_id = o.id)
      returning o.id, o.object_path
  )
  insert into public.purge_queue (object_path, media_id) select g.object_path, g.id from gone g;
  return cardinality(ids);
end
$$;
revoke execute on function public.purge_expired_messages(timestamptz, int) from public, anon, authenticated;

-- Deletion events: when messages disappear (timer expiry, an opened view-once, the sender deleting, account
-- deletion), members' devices drop them at once. One NOTIFY per conversation and 100 ids (NOTIFY payloads are
-- limited to 8000 bytes); the realtime server re-checks membership under each recipient's RLS.
create function public.broadcast_message_deletions() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  chunk record;
begin
  for chunk in
    select g.conversation_id, array_agg(g.id) as ids
    from (select d.conversation_id, d.id, (row_number() over (partition by d.conversation_id order by d.id) - 1) / 100 as part
          from gone d) g
    group by g.conversation_id, g.part
  loop
    perform pg_notify('ipelya_realtime', json_build_object(
      'topic', 'messages_deleted', 'conversation_id', chunk.conversation_id, 'ids', chunk.ids)::text);
  end loop;
  return null;
end
$$;

create trigger messages_deleted_broadcast after delete on public.messages
  referencing old table as gone
  for each statement execute function public.broadcast_message_deletions();

-- Paid messages through the API, and the tip note in the tip's idempotency fingerprint (issue 8, part 2).

-- A creator persona sends a message that stays locked until the recipient pays price_coins (unlock_message).
-- send_message does every other check (membership, blocks, media, ordering); the price is set in the same
-- transaction, so no reader ever sees the message unpriced.
-- Who may price a message and for how much; shared by the plain and the sealed (no-trace) paid send.
create function public.assert_may_send_paid_message(p_price bigint) returns void
language plpgsql stable security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if p_price is null or p_price < 1 or p_price > 1000000 then
    raise exception 'price_coins must be between 1 and 1000000' using errcode = '22023';
  end if;
  if not exists (select 1 from public.profiles p where p.id = me and p.is_creator and p.status = 'active') then
    raise exception 'only creators can send paid messages' using errcode = '42501';
  end if;
end
$$;
revoke execute on function public.assert_may_send_paid_message(bigint) from public, anon;

create function public.send_paid_message(p_conversation uuid, p_body text, p_media uuid, p_price bigint) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  msg uuid;
begin
  perform public.assert_may_send_paid_message(p_price);
  msg := public.send_message(p_conversation, p_body, p_media);
  update public.messages set price_coins = p_price where id = msg;
  return msg;
end
$$;
revoke execute on function public.send_paid_message(uuid, text, uuid, bigint) from public, anon;

-- ---------------------------------------------------------------------------------------------------------
-- Conversations the caller cannot see answer like missing ones: read markers (which also start the other
-- side's "30 s after read" timers), request answers, timers and sends. A persona that blocked the caller is as
-- missing as one that never existed; blocking someone yourself still says "unblock first".
-- ---------------------------------------------------------------------------------------------------------
create function public.can_see_conversation(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select public.is_conversation_member(p_target) and not public.has_conversation_off_member(p_target)
$$;
revoke execute on function public.can_see_conversation(uuid) from public, anon;

-- ---------------------------------------------------------------------------------------------------------
-- A conversation deleted as a whole (account deletion) tells the remaining members' devices to drop its
-- messages. The members are read before the rows go (afterwards no RLS re-read can find them); the bus carries
-- ids only, in chunks that fit a NOTIFY payload.
-- ---------------------------------------------------------------------------------------------------------
create function public.broadcast_conversation_deletion() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  recipients uuid[];
  chunk record;
begin
  select coalesce(array_agg(m.profile_id), '{}') into recipients from public.conversation_members m
   where m.conversation_id = old.id and m.state in ('active', 'request')
     and exists (select 1 from public.profiles p where p.id = m.profile_id and p.status <> 'deleted');
  if cardinality(recipients) = 0 then return old; end if;
  for chunk in
    select array_agg(g.id) as ids
    from (select x.id, (row_number() over (order by x.id) - 1) / 100 as part
          from public.messages x where x.conversation_id = old.id) g
    group by g.part
  loop
    perform pg_notify('ipelya_realtime', json_build_object(
      'topic', 'conversation_deleted', 'conversation_id', old.id, 'recipients', recipients, 'ids', chunk.ids)::text);
  end loop;
  return old;
end
$$;

create trigger conversations_deleted_broadcast before delete on public.conversations
  for each row execute function public.broadcast_conversation_deletion();

-- The window key of an expiry time: one per hour.
create function public.sealing_window_key(p_expires timestamptz) returns text
language sql immutable
set search_path = ''
as $$ select 'w-' || (floor(extract(epoch from p_expires) / 3600) * 3600)::bigint::text $$;

-- When a window key may go: its hour has passed, plus slack for a send that read the clock just before the hour.
create function public.sealing_window_end(p_key text) returns timestamptz
language sql immutable
set search_path = ''
as $$ select to_timestamp(substr(p_key, 3)::bigint) + interval '1 hour 5 minutes' $$;

/*
 * How the caller's next message in this conversation must be stored: sealed or not and, for timed messages,
 * the window key. Locks the conversation's timer until the send commits (a concurrent timer change waits), so
 * what the server encrypted for is what send_message stamps. Non-members get (false, null): send_message then
 * gives its usual answer.
 */
create function public.message_sealing(p_conversation uuid, p_view_once boolean)
returns table (sealed boolean, window_key text)
language plpgsql security definer
set search_path = ''
as $$
declare
  t text;
begin
  select c.timer into t from public.conversations c
   where c.id = p_conversation and public.is_conversation_member(c.id)
   for share of c;
  if t is null then return query select false, null::text; return; end if;
  if coalesce(p_view_once, false) or t = '30s_after_read' then
    return query select true, null::text;
  elsif t = 'off' then
    return query select false, null::text;
  else
    return query select true, public.sealing_window_key(clock_timestamp() + public.timer_interval(t));
  end if;
end
$$;
revoke execute on function public.message_sealing(uuid, boolean) from public, anon;
grant execute on function public.message_sealing(uuid, boolean) to authenticated;

/*
 * The send path in one statement for messages that are not no-trace: the sealing plan (which locks the
 * conversation's timer until commit), the send (send_message, or send_paid_message for a price) and the stored
 * row as the sender reads it. A message that must be sealed is not sent: the row says sealed (and the window
 * key) and the server seals the body and calls send_sealed_message in the same transaction. The functions it
 * calls check the caller from the JWT claims as always; the row is read back without re-evaluating RLS (security
 * definer), since send_message has just checked that the sender may see and write this conversation.
 */
create function public.send_message_unless_sealed(p_conversation uuid, p_body text, p_media uuid,
                                                  p_view_once boolean, p_price bigint)
returns table (sealed boolean, window_key text, id uuid, conversation_id uuid, sender_id uuid, kind text,
               body text, media_id uuid, price_coins bigint, created_at timestamptz, expires_at timestamptz,
               view_once boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  plan record;
  msg uuid;
begin
  select s.sealed, s.window_key into plan from public.message_sealing(p_conversation, p_view_once) s;
  if plan.sealed then
    return query select true, plan.window_key, null::uuid, null::uuid, null::uuid, null::text, null::text,
      null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::boolean;
    return;
  end if;
  if p_price is not null then
    msg := public.send_paid_message(p_conversation, p_body, p_media, p_price);
  else
    msg := public.send_message(p_conversation, p_body, p_media);
  end if;
  return query select false, null::text, m.id, m.conversation_id, m.sender_id, m.kind, m.body, m.media_id,
    m.price_coins, m.created_at, m.expires_at, m.view_once
    from public.messages m where m.id = msg;
end
$$;
revoke execute on function public.send_message_unless_sealed(uuid, text, uuid, boolean, bigint) from public, anon;
grant execute on function public.send_message_unless_sealed(uuid, text, uuid, boolean, bigint) to authenticated;

/*
 * Sends a sealed message: the ciphertext and its key id travel to the insert in transaction-local settings
 * that the seal_message trigger moves into the row (so send_message, with all its checks, stays the only
 * writer and the plaintext column stays empty). p_sealed null: a media-only message.
 */
create function public.send_sealed_message(p_conversation uuid, p_sealed bytea, p_key_id text, p_media uuid,
                                           p_view_once boolean) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  msg uuid;
begin
  if p_sealed is not null then
    if p_key_id is null then raise exception 'a sealed body needs its key id' using errcode = '22023'; end if;
    if p_key_id like 'w-%' then
      insert into public.sealing_keys (id, released_at) values (p_key_id, public.sealing_window_end(p_key_id))
        on conflict (id) do nothing;
    else
      -- An object key is fresh: nobody may tie their message to (and so keep alive) another object's key.
      insert into public.sealing_keys (id) values (p_key_id) on conflict (id) do nothing;
      if not found then raise exception 'this key id is taken' using errcode = '22023'; end if;
    end if;
    perform set_config('ipelya.sealed_body', encode(p_sealed, 'base64'), true);
    perform set_config('ipelya.sealed_key', p_key_id, true);
  end if;
  if coalesce(p_view_once, false) then
    msg := public.send_view_once_message(p_conversation, case when p_sealed is null then null else '-' end, p_media);
  else
    msg := public.send_message(p_conversation, case when p_sealed is null then null else '-' end, p_media);
  end if;
  return msg;
end
$$;
revoke execute on function public.send_sealed_message(uuid, bytea, text, uuid, boolean) from public, anon;
grant execute on function public.send_sealed_message(uuid, bytea, text, uuid, boolean) to authenticated;

/*
 * The guard: a message that expires (timer, read timer) or is view-once carries no plaintext body and only
 * sealed media, whichever way it was written. Runs after messages_stamp_expiry (trigger names sort), on insert
 * and when view_once, body or media change.
 */
create function public.seal_message() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  sealed text := nullif(current_setting('ipelya.sealed_body', true), '');
begin
  if tg_op = 'INSERT' and sealed is not null then
    new.body_sealed := decode(sealed, 'base64');
    new.key_id := current_setting('ipelya.sealed_key', true);
    new.body := '';
    -- One message per setting: a second insert in this transaction does not inherit it.
    perform set_config('ipelya.sealed_body', '', true);
    perform set_config('ipelya.sealed_key', '', true);
  end if;
  -- Updates that neither make a message view-once nor give it a body or media need no check (a media row's
  -- deletion nulling media_id, or rows written before this migration).
  if tg_op = 'UPDATE' and new.view_once = old.view_once and new.body = old.body
     and (new.media_id is null or new.media_id is not distinct from old.media_id) then
    return new;
  end if;
  if new.view_once or new.expires_at is not null or new.read_ttl_seconds is not null then
    if new.body <> '' then
      raise exception 'a timed or view-once message must be sealed' using errcode = '22023';
    end if;
    if new.body_sealed is not null and (new.key_id is null
        or (new.key_id like 'w-%' and (new.view_once or new.expires_at is null
            or new.expires_at < to_timestamp(substr(new.key_id, 3)::bigint)
            or new.expires_at >= public.sealing_window_end(new.key_id)))) then
      raise exception 'this message is sealed with the wrong key' using errcode = '22023';
    end if;
    if new.media_id is not null
       and not exists (select 1 from public.media_objects o where o.id = new.media_id and o.key_id is not null) then
      raise exception 'media for a timed or view-once message must be uploaded sealed' using errcode = '22023',
        hint = 'media_not_sealed';
    end if;
  end if;
  return new;
end
$$;

create trigger messages_stamp_seal before insert or update of view_once, body, media_id on public.messages
  for each row execute function public.seal_message();

-- Object keys are released when their row goes, whichever way (purge, sender, account deletion, cascades).
create function public.release_sealing_keys() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.sealing_keys k set released_at = now()
    from (select distinct g.key_id from gone g where g.key_id like 'k-%') d
   where k.id = d.key_id and k.released_at is null;
  return null;
end
$$;

create trigger messages_release_keys after delete on public.messages
  referencing old table as gone for each statement execute function public.release_sealing_keys();

create trigger media_objects_release_keys after delete on public.media_objects
  referencing old table as gone for each statement execute function public.release_sealing_keys();

-- Keys that may be destroyed now: released and referenced by nothing. The caller destroys them in the key
-- provider, then forgets them (forget_sealing_keys); a crash in between destroys them again next run.
create function public.destroyable_sealing_keys(p_as_of timestamptz, p_batch int) returns setof text
language sql stable security definer
set search_path = ''
as $$
  select k.id from public.sealing_keys k
  where k.released_at is not null and k.released_at <= p_as_of
    and not exists (select 1 from public.messages m where m.key_id = k.id)
    and not exists (select 1 from public.media_objects o where o.key_id = k.id)
  order by k.released_at limit greatest(p_batch, 1)
$$;
revoke execute on function public.destroyable_sealing_keys(timestamptz, int) from public, anon, authenticated;
grant execute on function public.destroyable_sealing_keys(timestamptz, int) to service_role;

create function public.forget_sealing_keys(p_ids text[]) returns int
language sql security definer
set search_path = ''
as $$
  with gone as (delete from public.sealing_keys k where k.id = any (p_ids) returning 1) select count(*)::int from gone
$$;
revoke execute on function public.forget_sealing_keys(text[]) from public, anon, authenticated;
grant execute on function public.forget_sealing_keys(text[]) to service_role;

-- The key id of media sent in a conversation the caller is in (open_view_once signs its URL with it). Key ids
-- are names, not keys.
create function public.message_media_key(p_media uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select o.key_id from public.media_objects o
  where o.id = p_media
    and exists (select 1 from public.messages m where m.media_id = o.id and public.is_conversation_member(m.conversation_id))
$$;
revoke execute on function public.message_media_key(uuid) from public, anon;
grant execute on function public.message_media_key(uuid) to authenticated;

-- A paid message in a no-trace conversation (timer or read timer): the same rules as send_paid_message
-- (20261204200200, assert_may_send_paid_message), but the body arrives sealed (20261204400000), so it goes through send_sealed_message and is
-- priced in the same transaction. Never view-once: the API refuses a priced view-once message.
create function public.send_sealed_paid_message(p_conversation uuid, p_sealed bytea, p_key_id text, p_media uuid,
                                                p_price bigint) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  msg uuid;
begin
  perform public.assert_may_send_paid_message(p_price);
  msg := public.send_sealed_message(p_conversation, p_sealed, p_key_id, p_media, false);
  update public.messages set price_coins = p_price where id = msg;
  return msg;
end
$$;
revoke execute on function public.send_sealed_paid_message(uuid, bytea, text, uuid, bigint) from public, anon;
grant execute on function public.send_sealed_paid_message(uuid, bytea, text, uuid, bigint) to authenticated;

-- Account deletion, messaging step (account/functions.sql has the flow). No trace: a 1:1 conversation goes for
-- both sides, with what the other side sent into it (released to the storage step, which deletes it unless it is
-- used elsewhere).
create function public.delete_account_messaging() returns setof text
language plpgsql security definer
set search_path = ''
as $$
declare
  ctx public.account_deletions := public.account_deletion_context();
  convs uuid[];
begin
  select coalesce(array_agg(distinct m.conversation_id), '{}') into convs
    from public.conversation_members m join public.conversations c on c.id = m.conversation_id
   where m.profile_id = any (ctx.personas) and c.direct_key is not null;
  update public.account_deletions d
     set released_media = d.released_media || coalesce((
       select array_agg(distinct x.media_id) from public.messages x
        where x.conversation_id = any (convs) and x.media_id is not null and not (x.sender_id = any (ctx.personas))
     ), '{}')
   where d.txid = ctx.txid;
  delete from public.conversations c where c.id = any (convs);
end
$$;
revoke execute on function public.delete_account_messaging() from public, anon;
