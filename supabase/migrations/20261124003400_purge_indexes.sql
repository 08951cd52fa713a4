-- Findings of bench/expiry (bench/README.md): what kept the purge and sends from scaling.

-- Deleting a media object checks (and its foreign key nulls) profiles.avatar_media_id: without an index that is
-- a scan of profiles per purged media row.
create index profiles_avatar_media_idx on public.profiles (avatar_media_id) where avatar_media_id is not null;

-- start_read_timers runs on every read marker move; only unread "30 s after read" messages concern it.
create index messages_pending_read_timer_idx on public.messages (conversation_id, created_at)
  where read_ttl_seconds is not null and expires_at is null;

-- Each batch takes the oldest expired rows by the expiry index, then opened view-once rows by theirs: two
-- ordered, limited scans stay O(batch) however large the backlog after an outage (an OR of the two
-- conditions could be planned as a bitmap over every expired entry, per batch).
create or replace function public.purge_expired_messages(p_as_of timestamptz, p_batch int) returns int
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
