-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

-- Random, unlinkable handles for new personas. The shadow handle never derives from anything of the user.
create function public.random_handle(p_prefix text) returns text
language plpgsql volatile
set search_path = ''
as $$
declare
  adjectives text[] := array['velvet','silent','lunar','amber','misty','wild','hidden','golden','quiet','crimson','azure','secret','dreamy','stellar','shy','brave'];
  nouns text[] := array['fox','moth','tide','ember','raven','lotus','comet','willow','lynx','echo','ivy','nova','otter','sable','wren','atlas'];
  candidate text;
begin
  loop
    candidate := p_prefix
      || adjectives[1 + floor(random() * array_length(adjectives, 1))::int] || '_'
      || nouns[1 + floor(random() * array_length(nouns, 1))::int]
      || lpad(floor(random() * 100000)::int::text, 5, '0');
    exit when not exists (select 1 from public.profiles where handle = candidate)
      and not exists (select 1 from public.retired_handles r where r.handle_digest = public.handle_digest(candidate));
  end loop;
  return candidate;
end
$$;

-- Creator onboarding for the active persona; requires a verified age.
create function public.become_creator() returns boolean
language plpgsql security definer
set search_path = ''
as $$
begin
  if auth.uid() is null then raise exception 'not signed in' using errcode = '28000'; end if;
  if not exists (select 1 from public.accounts a where a.user_id = auth.uid() and a.age_verified_at is not null) then
    raise exception 'verify your age before becoming a creator' using errcode = '42501';
  end if;
  update public.profiles set is_creator = true, updated_at = now() where id = public.current_persona_id();
  return true;
end
$$;
revoke execute on function public.become_creator() from public, anon;

-- Every path that names a persona by id answers a hidden one (blocked either way, behind the firewall, off or
-- suspended) exactly like a missing one: tiers, subscribing, tipping and unlocking (screenshot reports: report_screenshot).
-- (Found by the adversarial suite in apps/server/test/privacy.)
create function public.assert_persona_visible(p_target uuid, p_not_found text) returns void
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.profiles p where p.id = p_target and p.status = 'active'
                 and (p.kind = 'real' or auth.uid() is not null))
     or public.is_persona_hidden(p_target) then
    raise exception '%', p_not_found using errcode = 'IP404';
  end if;
end
$$;
revoke execute on function public.assert_persona_visible(uuid, text) from public, anon;

create function public.handle_digest(p_handle text) returns text
language sql immutable
set search_path = ''
as $$ select encode(sha256(convert_to(p_handle, 'UTF8')), 'hex') $$;

create function public.retire_handle() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' or old.handle is distinct from new.handle then
    insert into public.retired_handles (handle_digest) values (public.handle_digest(old.handle)) on conflict do nothing;
  end if;
  return null;
end
$$;

create trigger profiles_retire_handle after update of handle or delete on public.profiles
  for each row execute function public.retire_handle();

create function public.refuse_retired_handle() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if (tg_op = 'INSERT' or old.handle is distinct from new.handle)
     and exists (select 1 from public.retired_handles r where r.handle_digest = public.handle_digest(new.handle)) then
    raise exception 'duplicate key value violates unique constraint "profiles_handle_key"'
      using errcode = '23505', constraint = 'profiles_handle_key';
  end if;
  return new;
end
$$;

create trigger profiles_refuse_retired_handle before insert or update of handle on public.profiles
  for each row execute function public.refuse_retired_handle();

/*
 * Shadow-cleanup step (profiles: avatars): one batch of the shadow-cache cleaner (every 10 minutes, or the shadow-cache-cleaner
 * edge function) for personas that are off or deleted; at most p_batch rows. Idempotent (a second run finds
 * nothing) and concurrent runs share the work (skip locked). Returns the rows removed. p_as_of: the cleaner's
 * clock, the same for every step.
 */
-- The profile pointer is cleared; the media row goes unless a post or message still uses it, and its bytes are
-- queued in purge_queue in the same transaction, so a crash before they are deleted is resumed from the queue.
create function public.purge_shadow_avatars(p_as_of timestamptz, p_batch int) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  n_avatars int := 0;
  n_media int := 0;
  medias uuid[];
begin
  with doomed as (
    select p.id, p.avatar_media_id from public.profiles p
    where p.status in ('off', 'deleted') and p.avatar_media_id is not null
    limit greatest(coalesce(p_batch, 500), 1) for update of p skip locked
  ), cleared as (
    update public.profiles p set avatar_media_id = null from doomed d where p.id = d.id returning d.avatar_media_id
  )
  select coalesce(array_agg(c.avatar_media_id), '{}'), count(*) into medias, n_avatars from cleared c;
  if cardinality(medias) > 0 then
    with gone as (
      delete from public.media_objects o
        where o.id = any (medias)
          and not exists (select 1 from public.post_media pm where pm.media_id = o.id)
          and not exists (select 1 from public.messages x where x.media_id = o.id)
          and not exists (select 1 from public.profiles p where p.avatar_media_id = o.id)
        returning o.id, o.object_path
    )
    insert into public.purge_queue (object_path, media_id) select g.object_path, g.id from gone g;
    get diagnostics n_media = row_count;
  end if;
  return n_avatars + n_media;
end
$$;
revoke execute on function public.purge_shadow_avatars(timestamptz, int) from public, anon, authenticated;
grant execute on function public.purge_shadow_avatars(timestamptz, int) to service_role;
