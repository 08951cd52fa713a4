-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

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

/*
 * Shadow-cleanup step (notifications: those the persona caused): one batch of the shadow-cache cleaner (every 10 minutes, or the shadow-cache-cleaner
 * edge function) for personas that are off or deleted; at most p_batch rows. Idempotent (a second run finds
 * nothing) and concurrent runs share the work (skip locked). Returns the rows removed. p_as_of: the cleaner's
 * clock, the same for every step.
 */
create function public.purge_shadow_notifications(p_as_of timestamptz, p_batch int) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  n int;
begin
  with doomed as (
    select x.id from public.notifications x join public.profiles p on p.id = x.actor_id
    where p.status in ('off', 'deleted')
    limit greatest(coalesce(p_batch, 500), 1) for update of x skip locked
  )
  delete from public.notifications x using doomed d where x.id = d.id;
  get diagnostics n = row_count;
  return n;
end
$$;
revoke execute on function public.purge_shadow_notifications(timestamptz, int) from public, anon, authenticated;
grant execute on function public.purge_shadow_notifications(timestamptz, int) to service_role;
