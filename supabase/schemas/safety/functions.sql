-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

-- Has `p_target` blocked the active persona? Security definer: the blocked side cannot read blocks itself.
create function public.is_blocked_by(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.blocks b
                 where b.blocker_id = p_target and b.blocked_id = public.current_persona_id())
$$;

create function public.is_blocked_between(p_a uuid, p_b uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.blocks x
                 where (x.blocker_id = p_a and x.blocked_id = p_b) or (x.blocker_id = p_b and x.blocked_id = p_a))
$$;
revoke execute on function public.is_blocked_between(uuid, uuid) from public, anon, authenticated;
