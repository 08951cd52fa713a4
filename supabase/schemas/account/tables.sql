-- Objects whose rows are gone but whose bytes may still exist. Written in the transaction that deletes the rows,
-- cleared after the storage delete succeeded: a crash in between is resumed by the next run. Service only.
create table public.purge_queue (
  id bigint generated always as identity primary key,
  object_path text not null,
  media_id uuid,
  attempts int not null default 0,
  queued_at timestamptz not null default now()
);
alter table public.purge_queue enable row level security;
revoke all on public.purge_queue from anon, authenticated;

-- Account deletions ask for a VACUUM of the tables they touched (VACUUM cannot run in their transaction); the
-- privacy-vacuum job runs it and clears the request.
create table public.vacuum_requests (
  id bigint generated always as identity primary key,
  requested_at timestamptz not null default now()
);
alter table public.vacuum_requests enable row level security;
revoke all on public.vacuum_requests from anon, authenticated;
