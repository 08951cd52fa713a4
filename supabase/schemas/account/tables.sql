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

-- The account deletion in progress, one row per transaction (txid_current()): written by begin_account_deletion,
-- read by every domain's deletion step, removed by finish_account_deletion in the same transaction, so a row never
-- commits. A step called without begin (or in another transaction) finds no row and refuses. No address or
-- handle here: even a deleted row's bytes stay in the table file until VACUUM. released_media:
-- media of other people that a step released (the other side's media in a deleted conversation), for the storage
-- step to delete when nothing else uses it. Definer functions only.
create table public.account_deletions (
  txid bigint primary key default txid_current(),
  user_id uuid not null,
  personas uuid[] not null,
  released_media uuid[] not null default '{}'
);
alter table public.account_deletions enable row level security;
revoke all on public.account_deletions from anon, authenticated;
