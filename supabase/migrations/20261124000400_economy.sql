-- Coin (jeton) economy: a double-entry ledger. Amounts are integers (coins, or fiat minor units with an ISO
-- currency). Rows change only through security-definer SQL functions; clients can only read their own.
create table public.ledger_accounts (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('user_wallet', 'creator_pending', 'creator_available', 'platform_revenue',
                                      'provider_clearing', 'refunds_chargebacks')),
  -- a wallet belongs to the human (both personas spend from it); earnings belong to a creator persona
  user_id uuid references auth.users (id) on delete restrict,
  profile_id uuid references public.profiles (id) on delete restrict,
  currency text not null check (currency ~ '^(COIN|[A-Z]{3})$'),
  created_at timestamptz not null default now(),
  unique nulls not distinct (kind, user_id, profile_id, currency)
);
alter table public.ledger_accounts enable row level security;

create table public.ledger_transactions (
  id uuid primary key default gen_random_uuid(),
  kind text not null,
  idempotency_key text unique,
  actor_profile_id uuid references public.profiles (id) on delete set null,
  meta jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
alter table public.ledger_transactions enable row level security;

create table public.ledger_entries (
  id bigserial primary key,
  transaction_id uuid not null references public.ledger_transactions (id) on delete restrict,
  account_id uuid not null references public.ledger_accounts (id) on delete restrict,
  amount bigint not null check (amount <> 0),
  created_at timestamptz not null default now()
);
create index ledger_entries_account_idx on public.ledger_entries (account_id, id);
create index ledger_entries_tx_idx on public.ledger_entries (transaction_id);
alter table public.ledger_entries enable row level security;

create table public.coin_packages (
  id uuid primary key default gen_random_uuid(),
  code text not null unique,
  coins bigint not null check (coins > 0),
  prices jsonb not null default '{}'::jsonb, -- {"USD": 499, "TRY": 14999} in minor units
  apple_product_id text unique,
  google_product_id text unique,
  active boolean not null default true,
  created_at timestamptz not null default now()
);
alter table public.coin_packages enable row level security;

create table public.coin_purchases (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete restrict,
  package_id uuid not null references public.coin_packages (id),
  provider text not null check (provider in ('local', 'stripe', 'iyzico', 'apple', 'google', 'revenuecat')),
  external_id text,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'refunded', 'disputed')),
  amount_minor bigint not null check (amount_minor >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  coins bigint not null check (coins > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (provider, external_id)
);
alter table public.coin_purchases enable row level security;

create policy "Owners see their ledger accounts" on public.ledger_accounts
  for select to authenticated
  using (user_id = (select auth.uid()) or profile_id = (select public.current_persona_id()));
create policy "Owners see entries of their accounts" on public.ledger_entries
  for select to authenticated
  using (exists (select 1 from public.ledger_accounts a where a.id = account_id
                 and (a.user_id = (select auth.uid()) or a.profile_id = (select public.current_persona_id()))));
create policy "Owners see transactions touching their accounts" on public.ledger_transactions
  for select to authenticated
  using (exists (select 1 from public.ledger_entries e join public.ledger_accounts a on a.id = e.account_id
                 where e.transaction_id = ledger_transactions.id
                   and (a.user_id = (select auth.uid()) or a.profile_id = (select public.current_persona_id()))));
create policy "Active coin packages are public" on public.coin_packages
  for select to anon, authenticated using (active);
create policy "Buyers see their purchases" on public.coin_purchases
  for select to authenticated using (user_id = (select auth.uid()));
revoke insert, update, delete on public.ledger_accounts, public.ledger_transactions, public.ledger_entries,
  public.coin_packages, public.coin_purchases from anon, authenticated;
revoke all on public.ledger_accounts, public.ledger_transactions, public.ledger_entries, public.coin_purchases from anon;

-- Books must balance: every transaction's entries sum to zero per currency, checked at commit.
create function public.assert_transaction_balanced() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if exists (
    select 1 from public.ledger_entries e join public.ledger_accounts a on a.id = e.account_id
    where e.transaction_id = new.transaction_id
    group by a.currency having sum(e.amount) <> 0
  ) then
    raise exception 'ledger transaction % is not balanced', new.transaction_id using errcode = '23514';
  end if;
  return null;
end
$$;
create constraint trigger ledger_entries_balanced after insert on public.ledger_entries
  deferrable initially deferred for each row execute function public.assert_transaction_balanced();

-- Entries are immutable: a correction is a new transaction.
create function public.forbid_ledger_mutation() returns trigger
language plpgsql
set search_path = ''
as $$ begin raise exception 'ledger entries are immutable' using errcode = '42501'; end $$;
create trigger ledger_entries_immutable before update or delete on public.ledger_entries
  for each row execute function public.forbid_ledger_mutation();
