-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

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
