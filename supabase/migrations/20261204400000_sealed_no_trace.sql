-- Sealed no-trace content (decision 015). Bodies of timed, read-timer and view-once messages are stored as
-- AES-256-GCM ciphertext (body_sealed), encrypted by the server before the insert with a data key that lives
-- outside the database (a key directory, or AWS KMS-wrapped keys in the object store). Their media must be
-- uploaded sealed (media_objects.key_id). The database keeps only key ids: sealing_keys says which keys may be
-- destroyed, and the purge destroys them, which makes every leftover copy (heap, WAL, backups) unreadable.
--
-- Key ids: 'w-<unix seconds>' = the key of the hour window starting then (timed messages whose expires_at falls
-- in it); 'k-<uuid>' = the key of one object (a view-once or read-timer body, one sealed media file).

alter table public.messages
  add column body_sealed bytea,
  add column key_id text;
alter table public.media_objects add column key_id text;
create index messages_key_idx on public.messages (key_id) where key_id is not null;
create index media_objects_key_idx on public.media_objects (key_id) where key_id is not null;

-- Keys that exist in the key provider. released_at: from then on the key may be destroyed once no message or
-- media row references it (a window key: its hour plus 5 minutes' slack; an object key: when its row goes).
create table public.sealing_keys (
  id text primary key check (id ~ '^(w-[0-9]{1,12}|k-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$'),
  released_at timestamptz,
  created_at timestamptz not null default now()
);
create index sealing_keys_released_idx on public.sealing_keys (released_at) where released_at is not null;
alter table public.sealing_keys enable row level security;
revoke all on public.sealing_keys from anon, authenticated;

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

-- Account deletions ask for a VACUUM of the tables they touched (VACUUM cannot run in their transaction); the
-- privacy-vacuum job runs it and clears the request.
create table public.vacuum_requests (
  id bigint generated always as identity primary key,
  requested_at timestamptz not null default now()
);
alter table public.vacuum_requests enable row level security;
revoke all on public.vacuum_requests from anon, authenticated;

create function public.request_privacy_vacuum() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (select 1 from gone) then insert into public.vacuum_requests default values; end if;
  return null;
end
$$;
create trigger profiles_deleted_vacuum after delete on public.profiles
  referencing old table as gone for each statement execute function public.request_privacy_vacuum();

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
