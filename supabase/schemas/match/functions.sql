-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

create function public.has_vector_search() returns boolean
language sql stable
set search_path = ''
as $$ select exists (select 1 from pg_extension where extname = 'vector') $$;

-- Creators whose vibe is nearest to the caller's active persona, never a persona the caller cannot see.
-- plpgsql defers parsing, so this function exists on every database and fails clearly where pgvector is missing.
create function public.similar_creators(p_limit int default 10)
returns table (profile_id uuid, distance double precision)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not public.has_vector_search() then
    raise exception 'vector search is not available on this database' using errcode = '0A000';
  end if;
  return query execute
    'select v.profile_id, (v.vibe operator(extensions.<=>) me.vibe)::float8
       from public.profile_vectors me
       join public.profile_vectors v on v.profile_id <> me.profile_id and v.vibe is not null
       join public.profiles p on p.id = v.profile_id and p.is_creator and p.status = ''active''
      where me.profile_id = public.current_persona_id() and me.vibe is not null
        and not public.is_persona_hidden(v.profile_id)
        and not public.is_network_isolated(v.profile_id)
      order by v.vibe operator(extensions.<=>) me.vibe
      limit $1'
    using least(greatest(p_limit, 1), 50);
end
$$;
revoke execute on function public.similar_creators(int) from public, anon;

/*
 * Shadow-cleanup step (match: discovery vectors): one batch of the shadow-cache cleaner (every 10 minutes, or the shadow-cache-cleaner
 * edge function) for personas that are off or deleted; at most p_batch rows. Idempotent (a second run finds
 * nothing) and concurrent runs share the work (skip locked). Returns the rows removed. p_as_of: the cleaner's
 * clock, the same for every step.
 */
create function public.purge_shadow_vectors(p_as_of timestamptz, p_batch int) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  n int;
begin
  with doomed as (
    select v.profile_id from public.profile_vectors v join public.profiles p on p.id = v.profile_id
    where p.status in ('off', 'deleted')
    limit greatest(coalesce(p_batch, 500), 1) for update of v skip locked
  )
  delete from public.profile_vectors v using doomed d where v.profile_id = d.profile_id;
  get diagnostics n = row_count;
  return n;
end
$$;
revoke execute on function public.purge_shadow_vectors(timestamptz, int) from public, anon, authenticated;
grant execute on function public.purge_shadow_vectors(timestamptz, int) to service_role;
