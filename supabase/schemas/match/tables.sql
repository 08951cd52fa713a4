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
revoke all on public.profile_vectors from anon;
revoke insert, update, delete on public.profile_vectors from authenticated;
