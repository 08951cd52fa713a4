-- Admins manage coin packages (decision 012): production has no demo seed, so packages are created, repriced
-- and archived through the API. The database decides who may: RLS policies keyed on public.is_admin()
-- (account-level, never a token claim), and column grants so nobody rewrites a package's id or history.
-- Packages are never deleted: purchases reference them; archiving (active = false) takes one off sale.

-- Prices are {"USD": 199, "TRY": 6999}: ISO currency codes to positive whole minor units.
create function public.is_valid_coin_prices(p_prices jsonb) returns boolean
language sql immutable
set search_path = ''
as $$
  select jsonb_typeof(p_prices) = 'object' and not exists (
    select 1 from jsonb_each(p_prices) e
    where e.key !~ '^[A-Z]{3}$' or jsonb_typeof(e.value) <> 'number'
       or (e.value)::text::numeric <= 0 or (e.value)::text::numeric <> trunc((e.value)::text::numeric)
  )
$$;

-- Coin (jeton) economy: a double-entry ledger. Amounts are integers (coins, or fiat minor units with an ISO
-- currency). Rows change only through security-definer SQL functions; clients can only read their own.
-- The money engine: settings, posting to the double-entry ledger, spending (PPV, tips, subscriptions, paid
-- messages), coin purchases and their reversal, creator earnings with a hold period, and the invariants.
--
-- Sign convention: an account's balance is the sum of its entries. A user's wallet is positive when the user
-- holds coins; system accounts (issuance, sales) go negative as the mirror. Every transaction sums to zero per
-- currency (checked at commit by ledger_entries_balanced).
-- Concurrency: every posting locks the accounts it touches (in id order, so two postings never deadlock) and
-- keeps a cached balance on the account row; the wallet check reads that locked balance, so concurrent spends
-- serialize per wallet and can never overdraw it.
create table public.ledger_accounts (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in (
    'user_wallet',          -- coins a user holds (both personas spend from it)
    'creator_pending',      -- a creator persona's earnings inside the hold period
    'creator_available',    -- earnings that can be paid out
    'platform_revenue',     -- the platform's fee
    'coin_issuance',        -- mirror of coins issued to wallets (COIN)
    'coin_sales',           -- fiat received for coins (per currency)
    'provider_clearing',    -- fiat held by a payment provider (per currency)
    'payouts_in_transit',   -- coins being paid out to creators
    'refunds_chargebacks',  -- fiat returned to buyers
    'payouts_paid',         -- coins (and their fiat) that left the platform to creators
    'provider_fees'         -- fiat a payment provider kept as its fee (Stripe balance transaction fee, Iyzico commission)
  )),
  -- a wallet belongs to the human (both personas spend from it); earnings belong to a creator persona
  user_id uuid references auth.users (id) on delete restrict,
  profile_id uuid references public.profiles (id) on delete restrict,
  currency text not null check (currency ~ '^(COIN|[A-Z]{3})$'),
  created_at timestamptz not null default now(),
  balance bigint not null default 0,
  -- Ledger accounts outlive their owner (account deletion): closed accounts keep id, kind and entries, with
  -- both owner columns null.
  closed_at timestamptz
);
alter table public.ledger_accounts enable row level security;
revoke insert, update, delete on public.ledger_accounts from anon, authenticated;
revoke all on public.ledger_accounts from anon;
-- The owner uniqueness applies to open accounts only (two closed wallets both have no owner).
create unique index ledger_accounts_owner_key on public.ledger_accounts (kind, user_id, profile_id, currency)
  nulls not distinct where closed_at is null;

create table public.ledger_transactions (
  id uuid primary key default gen_random_uuid(),
  kind text not null,
  idempotency_key text unique,
  actor_profile_id uuid references public.profiles (id) on delete set null,
  meta jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
alter table public.ledger_transactions enable row level security;
revoke insert, update, delete on public.ledger_transactions from anon, authenticated;
revoke all on public.ledger_transactions from anon;
create index ledger_transactions_actor_idx on public.ledger_transactions (actor_profile_id) where actor_profile_id is not null;

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
revoke insert, update, delete on public.ledger_entries from anon, authenticated;
revoke all on public.ledger_entries from anon;

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
revoke insert, update, delete on public.coin_packages from anon, authenticated;
-- NOT VALID: rows that exist already are left alone; every insert and update from now on is checked.
alter table public.coin_packages
  add constraint coin_packages_prices_valid check (public.is_valid_coin_prices(prices)) not valid;
grant insert (code, coins, prices, apple_product_id, google_product_id, active) on public.coin_packages
  to authenticated;
grant update (coins, prices, apple_product_id, google_product_id, active) on public.coin_packages
  to authenticated;

-- Coin purchases through payment providers: webhook events counted exactly once, purchase status history,
-- crediting and reversing coins, and the fraud review queue that debts and risky purchases land in.
--
-- The lifecycle is an explicit state machine (coin_purchase_transitions):
--   pending             checkout started, or a store payment being processed
--   held                paid, not credited: waits for review (hold_reason fraud_review | amount_mismatch)
--   succeeded           credited
--   partially_refunded  credited, part of the money refunded (coins debited in proportion)
--   refunded            all money refunded (before or after crediting)
--   disputed            charged back (before or after crediting)
--   failed              declined / payment failed / checkout could not start
--   expired             pending for longer than purchase_pending_expiry_minutes
--   blocked             refused by fraud review
--   rejected            held for an amount mismatch and rejected by an admin
-- Refunded, failed, expired, blocked and rejected purchases can never be credited: the trigger refuses it.
create table public.coin_purchases (
  id uuid primary key default gen_random_uuid(),
  -- null once the buyer deleted their account (the money record outlives them)
  user_id uuid references auth.users (id) on delete restrict,
  package_id uuid not null references public.coin_packages (id),
  provider text not null check (provider in ('local', 'stripe', 'iyzico', 'apple', 'google', 'revenuecat')),
  external_id text,
  status text not null default 'pending' check (status in (
    'pending', 'held', 'succeeded', 'partially_refunded', 'refunded', 'disputed', 'failed', 'expired', 'blocked', 'rejected'
  )),
  amount_minor bigint not null check (amount_minor >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  coins bigint not null check (coins > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  checkout_id text unique,
  device_install_id text,
  ip inet,
  card_fingerprint text,
  fraud_score int,
  updated_reason text,
  -- What the checkout asked the provider to charge (the package price when it started); null for store
  -- purchases, which are compared with the package's price in the reported currency instead.
  expected_amount_minor bigint check (expected_amount_minor is null or expected_amount_minor >= 0),
  expected_currency text check (expected_currency is null or expected_currency ~ '^[A-Z]{3}$'),
  -- What the provider said was paid (null: it reported no amount).
  reported_amount_minor bigint,
  reported_currency text,
  hold_reason text check (hold_reason is null or hold_reason in ('fraud_review', 'amount_mismatch')),
  credit_transaction_id uuid references public.ledger_transactions (id),
  refunded_minor bigint not null default 0 check (refunded_minor >= 0),
  refunded_coins bigint not null default 0 check (refunded_coins >= 0),
  disputed_minor bigint not null default 0 check (disputed_minor >= 0),
  disputed_coins bigint not null default 0 check (disputed_coins >= 0),
  fee_minor bigint check (fee_minor is null or fee_minor >= 0),
  fee_currency text,
  -- Checkout start: same Idempotency-Key and body answer the same purchase; the session's page is remembered.
  idempotency_key text,
  request_hash text,
  checkout_url text,
  unique (provider, external_id),
  constraint coin_purchases_refund_bounds
    check (refunded_coins + disputed_coins <= coins and refunded_minor + disputed_minor <= amount_minor)
);
alter table public.coin_purchases enable row level security;
revoke insert, update, delete on public.coin_purchases from anon, authenticated;
revoke all on public.coin_purchases from anon;
create index coin_purchases_user_idx on public.coin_purchases (user_id, created_at desc);
create index coin_purchases_device_idx on public.coin_purchases (device_install_id, created_at desc) where device_install_id is not null;
create index coin_purchases_card_idx on public.coin_purchases (card_fingerprint) where card_fingerprint is not null;
create index coin_purchases_ip_idx on public.coin_purchases (created_at desc) where ip is not null;
create unique index coin_purchases_idempotency_idx on public.coin_purchases (user_id, idempotency_key)
  where idempotency_key is not null;
create index coin_purchases_pending_idx on public.coin_purchases (created_at) where status = 'pending';

create table public.economy_settings (
  key text primary key,
  value bigint not null,
  description text not null
);
alter table public.economy_settings enable row level security;
revoke insert, update, delete on public.economy_settings from anon, authenticated;
-- Tunable numbers of the money engine; economy_setting(key) reads them.
insert into public.economy_settings (key, value, description) values
  ('platform_fee_bps', 2000, 'platform fee on every spend, in basis points (20%)'),
  ('earnings_hold_days', 7, 'days a creator''s earnings stay pending (chargeback window)'),
  ('subscription_grace_days', 3, 'days a subscription keeps access while its renewal cannot be paid'),
  ('max_tip_coins', 100000, 'largest single tip'),
  ('payout_minimum_coins', 1000, 'smallest weekly payout'),
  ('payout_large_coins', 100000, 'payouts at or above this wait for admin approval'),
  ('coin_value_minor_usd', 1, 'what one coin pays out to a creator, in US cents'),
  ('payout_max_attempts', 5, 'provider attempts before a payout fails for good and its coins return'),
  ('payout_retry_base_minutes', 30, 'first retry delay of a failed payout; doubles on every further attempt'),
  ('coin_value_minor_try', 40, 'what one coin pays out to a creator paid through Iyzico, in kuruş'),
  ('fraud_review_score', 40, 'a total fraud score at or above this holds a purchase for review (tips pass but are recorded)'),
  ('fraud_block_score', 80, 'a total fraud score at or above this blocks the purchase or refuses the tip'),
  ('fraud_velocity_window_minutes', 60, 'window for purchase velocity per user, device and IP network'),
  ('fraud_velocity_user_max', 5, 'completed purchases per user allowed in the velocity window'),
  ('fraud_velocity_device_max', 8, 'completed purchases per device install allowed in the velocity window'),
  ('fraud_velocity_ip_max', 20, 'completed purchases per IPv4 /24 (IPv6 /64) allowed in the velocity window'),
  ('fraud_accounts_per_device_max', 3, 'accounts that may share one device install'),
  ('fraud_accounts_per_card_max', 2, 'accounts that may share one card fingerprint'),
  ('fraud_refund_ratio_bps', 3000, 'refunded or charged-back share of a user''s settled purchases that is suspicious'),
  ('fraud_refund_min_purchases', 2, 'settled purchases before the refund ratio counts'),
  ('fraud_new_account_days', 3, 'an account younger than this is new for large purchases'),
  ('fraud_new_account_large_coins', 5000, 'a purchase of at least this many coins is large for a new account'),
  ('fraud_self_funding_days', 30, 'window of a creator''s earnings examined for self-funding'),
  ('fraud_self_funding_young_days', 14, 'payer accounts younger than this count as new for self-funding'),
  ('fraud_self_funding_share_bps', 7000, 'share of a creator''s window earnings from new accounts that is suspicious'),
  ('fraud_self_funding_min_coins', 1000, 'creator earnings in the window before self-funding is judged'),
  ('fraud_self_funding_max_accounts', 3, 'self-funding means the new-account money comes from at most this many accounts'),
  ('fraud_tip_loop_window_days', 7, 'window in which tips flowing back to the sender form a loop'),
  ('purchase_pending_expiry_minutes', 1440, 'a checkout still pending after this many minutes expires (Stripe sessions last 24 hours)');

-- Earnings wait out the hold period before a creator can be paid.
create table public.creator_earnings (
  id uuid primary key default gen_random_uuid(),
  -- Money records outlive the persona: the creator column becomes null on deletion. The FK stays restrict, so
  -- nothing but account deletion (which clears it first) can orphan them.
  creator_id uuid references public.profiles (id) on delete restrict,
  transaction_id uuid not null references public.ledger_transactions (id),
  kind text not null,
  amount bigint not null check (amount > 0),
  available_at timestamptz not null,
  released_transaction_id uuid references public.ledger_transactions (id),
  created_at timestamptz not null default now(),
  -- Earnings taken back by a refund or chargeback while still pending (decision 013).
  clawed_back bigint not null default 0,
  constraint creator_earnings_clawback_bounds check (clawed_back between 0 and amount)
);
create index creator_earnings_due_idx on public.creator_earnings (available_at) where released_transaction_id is null;
create index creator_earnings_creator_idx on public.creator_earnings (creator_id, created_at desc);
alter table public.creator_earnings enable row level security;
revoke all on public.creator_earnings from anon;
revoke insert, update, delete on public.creator_earnings from authenticated;

create table public.tips (
  id uuid primary key default gen_random_uuid(),
  sender_id uuid not null references public.profiles (id) on delete cascade,
  creator_id uuid not null references public.profiles (id) on delete cascade,
  amount_coins bigint not null check (amount_coins > 0),
  note text not null default '' check (length(note) <= 280),
  ledger_transaction_id uuid not null references public.ledger_transactions (id),
  created_at timestamptz not null default now()
);
create index tips_creator_idx on public.tips (creator_id, created_at desc);
alter table public.tips enable row level security;
revoke all on public.tips from anon;
revoke insert, update, delete on public.tips from authenticated;
-- Loop detection walks tips by sender.
create index tips_sender_idx on public.tips (sender_id, created_at desc);

create table public.coin_purchase_events (
  id bigserial primary key,
  purchase_id uuid not null references public.coin_purchases (id) on delete cascade,
  status text not null,
  provider_event_id text,
  note text,
  created_at timestamptz not null default now()
);
create index coin_purchase_events_purchase_idx on public.coin_purchase_events (purchase_id, id);
alter table public.coin_purchase_events enable row level security;
revoke all on public.coin_purchase_events from anon;
revoke insert, update, delete on public.coin_purchase_events from authenticated;

-- Every webhook delivery, verified, recorded once per (provider, event id): replays are acknowledged, not applied.
create table public.payment_events (
  id bigserial primary key,
  provider text not null,
  event_id text not null,
  type text not null,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  outcome text,
  unique (provider, event_id)
);
alter table public.payment_events enable row level security;
revoke all on public.payment_events from anon, authenticated;

-- Fraud detection: the facts the rules score (counted by the database, so the numbers are the books' numbers),
-- holding or blocking a purchase before it is credited, recording every decision in fraud_cases, and the admin
-- review that releases (credits exactly once) or blocks. The rules themselves are small pure functions in
-- apps/server/src/economy/fraud/fraud.rules.ts; thresholds live in economy_settings so operators tune them
-- without a deploy.
create table public.fraud_cases (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references auth.users (id) on delete set null,
  profile_id uuid references public.profiles (id) on delete set null,
  subject_type text not null check (subject_type in ('purchase', 'spend', 'account', 'payout')),
  subject_id text,
  score int not null check (score between 0 and 100),
  outcome text not null check (outcome in ('allow', 'review', 'block')),
  reasons jsonb not null default '[]'::jsonb,
  status text not null default 'open' check (status in ('open', 'released', 'blocked', 'closed')),
  reviewed_by uuid references auth.users (id) on delete set null,
  reviewed_at timestamptz,
  created_at timestamptz not null default now(),
  -- What the decision was about (creator, amount, kind of spend), for the reviewer.
  details jsonb not null default '{}'::jsonb
);
create index fraud_cases_open_idx on public.fraud_cases (status, created_at desc);
create index fraud_cases_user_idx on public.fraud_cases (user_id);
alter table public.fraud_cases enable row level security;
revoke all on public.fraud_cases from anon, authenticated;
create index fraud_cases_subject_idx on public.fraud_cases (subject_type, subject_id);
create index fraud_cases_profile_idx on public.fraud_cases (profile_id) where profile_id is not null;

-- Where a creator persona is paid: a Stripe connected account (acct_…), an Iyzico recipient (IBAN or member id),
-- or the local provider. Owner-only: another account never learns where a creator is paid.
create table public.payout_accounts (
  creator_id uuid primary key references public.profiles (id) on delete cascade,
  provider text not null check (provider in ('local', 'stripe', 'iyzico')),
  account_id text not null check (length(account_id) between 1 and 128),
  holder_name text check (length(holder_name) <= 140),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.payout_accounts enable row level security;
revoke all on public.payout_accounts from anon;
revoke insert, update, delete on public.payout_accounts from authenticated;

create table public.payouts (
  id uuid primary key default gen_random_uuid(),
  -- null once the creator deleted their account (the money record outlives them)
  creator_id uuid references public.profiles (id) on delete restrict,
  amount_coins bigint not null check (amount_coins > 0),
  amount_minor bigint not null check (amount_minor >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  status text not null check (status in ('awaiting_approval', 'scheduled', 'processing', 'paid', 'failed')),
  approval_reason text check (approval_reason in ('first_payout', 'large_payout')),
  provider text not null default 'local' check (provider in ('local', 'stripe', 'iyzico')),
  destination text,
  external_id text,
  attempts int not null default 0,
  -- Bumped on every definitive provider failure: the provider idempotency key is payout id + this, so an
  -- ambiguous failure (timeout) retries with the same key and can never pay twice.
  transfer_seq int not null default 0,
  next_attempt_at timestamptz,
  processing_started_at timestamptz,
  last_error text,
  approved_by uuid references auth.users (id) on delete set null,
  approved_at timestamptz,
  period_start timestamptz not null,
  period_end timestamptz not null,
  schedule_transaction_id uuid not null references public.ledger_transactions (id),
  settle_transaction_id uuid references public.ledger_transactions (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (creator_id, period_start)
);
-- At most one open payout per creator (failed with a retry pending is still open).
create unique index payouts_one_open_idx on public.payouts (creator_id)
  where status in ('awaiting_approval', 'scheduled', 'processing') or (status = 'failed' and next_attempt_at is not null);
create index payouts_due_idx on public.payouts (status, next_attempt_at);
create index payouts_creator_idx on public.payouts (creator_id, created_at desc);
alter table public.payouts enable row level security;
revoke all on public.payouts from anon;
revoke insert, update, delete on public.payouts from authenticated;

create table public.payout_events (
  id bigserial primary key,
  payout_id uuid not null references public.payouts (id) on delete cascade,
  status text not null,
  note text,
  actor_user_id uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index payout_events_payout_idx on public.payout_events (payout_id, id);
alter table public.payout_events enable row level security;
revoke all on public.payout_events from anon;
revoke insert, update, delete on public.payout_events from authenticated;

-- The legal moves. Anything else is refused by coin_purchase_transition_guard, whoever runs the update.
create table public.coin_purchase_transitions (
  from_status text not null,
  to_status text not null,
  why text not null,
  primary key (from_status, to_status)
);
alter table public.coin_purchase_transitions enable row level security;
revoke insert, update, delete on public.coin_purchase_transitions from anon, authenticated;
insert into public.coin_purchase_transitions (from_status, to_status, why) values
  ('pending', 'held', 'paid; fraud review or an amount mismatch holds it'),
  ('pending', 'succeeded', 'paid and credited'),
  ('pending', 'failed', 'declined, payment failed, or the checkout could not start'),
  ('pending', 'expired', 'never paid within the expiry window'),
  ('pending', 'blocked', 'fraud review refused the payment'),
  ('pending', 'refunded', 'refunded before it was credited'),
  ('pending', 'disputed', 'charged back before it was credited'),
  ('held', 'succeeded', 'an admin released it (credited once)'),
  ('held', 'blocked', 'fraud review refused it'),
  ('held', 'rejected', 'an admin rejected a mismatched payment'),
  ('held', 'refunded', 'refunded while held'),
  ('held', 'disputed', 'charged back while held'),
  ('succeeded', 'partially_refunded', 'part of the money was refunded'),
  ('succeeded', 'refunded', 'all money was refunded'),
  ('succeeded', 'disputed', 'charged back'),
  ('partially_refunded', 'refunded', 'the rest was refunded'),
  ('partially_refunded', 'disputed', 'charged back after a partial refund'),
  ('disputed', 'succeeded', 'dispute won'),
  ('disputed', 'partially_refunded', 'dispute won after a partial refund'),
  ('blocked', 'refunded', 'the blocked payment was refunded at the provider'),
  ('rejected', 'refunded', 'the rejected payment was refunded at the provider');

create table public.purchase_clawbacks (
  id bigserial primary key,
  purchase_id uuid not null references public.coin_purchases (id) on delete cascade,
  reversal_kind text not null check (reversal_kind in ('refund', 'chargeback')),
  spend_transaction_id uuid not null references public.ledger_transactions (id),
  earning_id uuid not null references public.creator_earnings (id),
  coins bigint not null check (coins > 0),
  creator_coins bigint not null check (creator_coins >= 0),
  platform_coins bigint not null check (platform_coins >= 0),
  transaction_id uuid not null references public.ledger_transactions (id),
  restored_transaction_id uuid references public.ledger_transactions (id),
  created_at timestamptz not null default now()
);
create index purchase_clawbacks_spend_idx on public.purchase_clawbacks (spend_transaction_id);
create index purchase_clawbacks_purchase_idx on public.purchase_clawbacks (purchase_id);
alter table public.purchase_clawbacks enable row level security;
revoke all on public.purchase_clawbacks from anon, authenticated;

-- What the books cannot settle alone: a paid provider session no purchase matches, a payment whose amount or
-- currency differs from the package, a payment for a purchase that can no longer be credited.
create table public.reconciliation_items (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('unmatched_payment', 'amount_mismatch', 'paid_not_creditable', 'dispute_won_uncredited')),
  provider text not null,
  -- One item per (provider, kind, payment): a callback and a notification for one payment make one item.
  dedupe_key text not null unique,
  external_id text,
  checkout_id text,
  purchase_id uuid references public.coin_purchases (id) on delete set null,
  user_id uuid references auth.users (id) on delete set null,
  reported_amount_minor bigint,
  reported_currency text,
  expected_amount_minor bigint,
  expected_currency text,
  event_id text,
  detail text not null,
  status text not null default 'open' check (status in ('open', 'resolved')),
  resolution text check (resolution is null or resolution in ('credited', 'rejected', 'dismissed')),
  resolved_by uuid references auth.users (id) on delete set null,
  resolved_at timestamptz,
  note text,
  created_at timestamptz not null default now()
);
create index reconciliation_items_open_idx on public.reconciliation_items (status, created_at desc);
alter table public.reconciliation_items enable row level security;
revoke all on public.reconciliation_items from anon;
revoke insert, update, delete on public.reconciliation_items from authenticated;
