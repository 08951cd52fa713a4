create table public.persona_links (
  profile_id uuid primary key references public.profiles (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null check (kind in ('real', 'shadow')),
  unique (user_id, kind)
);
alter table public.persona_links enable row level security;
revoke all on public.persona_links from anon;

-- Account-level facts that belong to the human, not to a persona.
create table public.accounts (
  user_id uuid primary key references auth.users (id) on delete cascade,
  birth_date date,
  age_verified_at timestamptz,
  locale text,
  is_admin boolean not null default false,
  created_at timestamptz not null default now()
);
alter table public.accounts enable row level security;
revoke all on public.accounts from anon;

-- Per-session state: which persona the session is in and the device it is bound to.
-- The access-token hook reads it, so the persona survives token refreshes (on Supabase too).
create table public.session_state (
  session_id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  persona text not null default 'real' check (persona in ('real', 'shadow')),
  device_id uuid references public.devices (id) on delete set null,
  updated_at timestamptz not null default now()
);
create index session_state_user_idx on public.session_state (user_id);
alter table public.session_state enable row level security;
revoke all on public.session_state from anon;
