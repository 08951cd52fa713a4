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
