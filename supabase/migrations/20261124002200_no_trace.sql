-- No-trace messaging: per-conversation self-destruct timers, view-once media and the purge that removes expired
-- messages with their media rows and bytes. Expired rows are already invisible (the messages select policy
-- checks expires_at > now()); the purge makes them gone.

alter table public.conversations
  add column timer text not null default 'off' check (timer in ('off', '30s_after_read', '5m', '1h', '24h', '7d'));

-- read_ttl_seconds: the message expires this long after the recipient reads it (expires_at stays null until then).
alter table public.messages
  add column read_ttl_seconds int check (read_ttl_seconds is null or read_ttl_seconds > 0),
  add column opened_at timestamptz;
create index messages_opened_idx on public.messages (opened_at) where opened_at is not null;

-- Objects whose rows are gone but whose bytes may still exist. Written in the transaction that deletes the rows,
-- cleared after the storage delete succeeded: a crash in between is resumed by the next run. Service only.
create table public.purge_queue (
  id bigint generated always as identity primary key,
  object_path text not null,
  media_id uuid,
  attempts int not null default 0,
  queued_at timestamptz not null default now()
);
alter table public.purge_queue enable row level security;
revoke all on public.purge_queue from anon, authenticated;

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
  if not public.is_conversation_member(p_conversation) then
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

-- Deletes up to p_batch messages expired at p_as_of (or opened view-once), their media rows (unless still used
-- elsewhere) and queues the bytes for deletion, all in one transaction. Idempotent and resumable: skip locked lets
-- concurrent runs share the work; the caller deletes queued bytes afterwards. Returns the messages deleted.
create function public.purge_expired_messages(p_as_of timestamptz, p_batch int) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  ids uuid[];
  medias uuid[];
begin
  select coalesce(array_agg(d.id), '{}'), coalesce(array_agg(d.media_id) filter (where d.media_id is not null), '{}')
    into ids, medias
    from (select m.id, m.media_id from public.messages m
          where (m.expires_at is not null and m.expires_at <= p_as_of) or m.opened_at is not null
          limit greatest(p_batch, 1)
          for update skip locked) d;
  if cardinality(ids) = 0 then return 0; end if;
  -- Notifications carry no message reference today; unlocks cascade with the message row.
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
