-- Vibe, behaviour and preference embeddings per persona. With pgvector (Supabase, PGlite) the columns are
-- vectors with HNSW indexes; on a PostgreSQL without pgvector (Debian's) they fall back to real[] so writes
-- keep working, and similarity search reports that vector search is not available.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'vector') then
    create extension if not exists vector with schema extensions;
    create table public.profile_vectors (
      profile_id uuid primary key references public.profiles (id) on delete cascade,
      vibe extensions.vector(512),
      behaviour extensions.vector(64),
      preference extensions.vector(512),
      updated_at timestamptz not null default now()
    );
    create index profile_vectors_vibe_hnsw on public.profile_vectors using hnsw (vibe extensions.vector_cosine_ops);
    create index profile_vectors_behaviour_hnsw on public.profile_vectors using hnsw (behaviour extensions.vector_cosine_ops);
    create index profile_vectors_preference_hnsw on public.profile_vectors using hnsw (preference extensions.vector_cosine_ops);
  else
    create table public.profile_vectors (
      profile_id uuid primary key references public.profiles (id) on delete cascade,
      vibe real[],
      behaviour real[],
      preference real[],
      updated_at timestamptz not null default now()
    );
  end if;
end
$$;
alter table public.profile_vectors enable row level security;
create policy "Owners see their own vectors" on public.profile_vectors
  for select to authenticated using (profile_id = (select public.current_persona_id()));
revoke all on public.profile_vectors from anon;
revoke insert, update, delete on public.profile_vectors from authenticated;

create function public.vector_search_available() returns boolean
language sql stable
set search_path = ''
as $$ select exists (select 1 from pg_extension where extname = 'vector') $$;

-- Creators whose vibe is nearest to the caller's active persona. plpgsql defers parsing, so this function
-- exists on every database and fails clearly where pgvector is missing.
create function public.similar_creators(k int default 10)
returns table (profile_id uuid, distance double precision)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not public.vector_search_available() then
    raise exception 'vector search is not available on this database' using errcode = '0A000';
  end if;
  return query execute
    'select v.profile_id, (v.vibe operator(extensions.<=>) me.vibe)::float8
       from public.profile_vectors me
       join public.profile_vectors v on v.profile_id <> me.profile_id and v.vibe is not null
       join public.profiles p on p.id = v.profile_id and p.is_creator and p.status = ''active''
      where me.profile_id = public.current_persona_id() and me.vibe is not null
      order by v.vibe operator(extensions.<=>) me.vibe
      limit $1'
    using least(greatest(k, 1), 50);
end
$$;
revoke execute on function public.similar_creators(int) from public, anon;
