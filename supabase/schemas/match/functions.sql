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
