-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

-- Account deletion, storage step (account/functions.sql has the flow): the personas' media rows, and media of
-- others that an earlier step released and nothing uses any more. Their bytes are queued in purge_queue in this
-- transaction; the paths are returned so the caller deletes the bytes right after commit.
create function public.delete_account_storage() returns setof text
language plpgsql security definer
set search_path = ''
as $$
declare
  ctx public.account_deletions := public.account_deletion_context();
begin
  return query
  with gone as (
    delete from public.media_objects o
     where o.owner_id = any (ctx.personas)
        or (o.id = any (ctx.released_media)
            and not exists (select 1 from public.post_media pm where pm.media_id = o.id)
            and not exists (select 1 from public.messages x where x.media_id = o.id)
            and not exists (select 1 from public.profiles x where x.avatar_media_id = o.id))
     returning o.id, o.object_path
  ), queued as (
    insert into public.purge_queue (object_path, media_id) select g.object_path, g.id from gone g returning object_path
  )
  select q.object_path from queued q;
end
$$;
revoke execute on function public.delete_account_storage() from public, anon;
