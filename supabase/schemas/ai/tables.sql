create table public.ai_logs (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  profile_id uuid references public.profiles (id) on delete set null,
  kind text not null,
  provider text not null,
  model text,
  input jsonb not null default '{}'::jsonb,
  output jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
alter table public.ai_logs enable row level security;
revoke all on public.ai_logs from anon;
revoke insert, update, delete on public.ai_logs from authenticated;
create index ai_logs_user_idx on public.ai_logs (user_id);
