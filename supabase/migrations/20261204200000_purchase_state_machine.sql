-- Money matches what was paid (issue 8, part 2), the data half: the coin purchase lifecycle as an explicit
-- state machine, what a purchase expects to be paid and what the provider reported, refund/chargeback
-- bookkeeping, the reconciliation queue admins work through, and a fees account. Functions are in 200100.
--
-- States (names kept from 001100 so fraud facts and account deletion keep their meaning):
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

alter table public.coin_purchases drop constraint coin_purchases_status_check;
alter table public.coin_purchases add constraint coin_purchases_status_check check (status in (
  'pending', 'held', 'succeeded', 'partially_refunded', 'refunded', 'disputed', 'failed', 'expired', 'blocked', 'rejected'
));

alter table public.coin_purchases
  -- What the checkout asked the provider to charge (the package price when it started); null for store
  -- purchases, which are compared with the package's price in the reported currency instead.
  add column expected_amount_minor bigint check (expected_amount_minor is null or expected_amount_minor >= 0),
  add column expected_currency text check (expected_currency is null or expected_currency ~ '^[A-Z]{3}$'),
  -- What the provider said was paid (null: it reported no amount).
  add column reported_amount_minor bigint,
  add column reported_currency text,
  add column hold_reason text check (hold_reason is null or hold_reason in ('fraud_review', 'amount_mismatch')),
  add column credit_transaction_id uuid references public.ledger_transactions (id),
  add column refunded_minor bigint not null default 0 check (refunded_minor >= 0),
  add column refunded_coins bigint not null default 0 check (refunded_coins >= 0),
  add column disputed_minor bigint not null default 0 check (disputed_minor >= 0),
  add column disputed_coins bigint not null default 0 check (disputed_coins >= 0),
  add column fee_minor bigint check (fee_minor is null or fee_minor >= 0),
  add column fee_currency text,
  -- Checkout start: same Idempotency-Key and body answer the same purchase; the session's page is remembered.
  add column idempotency_key text,
  add column request_hash text,
  add column checkout_url text;
alter table public.coin_purchases add constraint coin_purchases_refund_bounds
  check (refunded_coins + disputed_coins <= coins and refunded_minor + disputed_minor <= amount_minor);
create unique index coin_purchases_idempotency_idx on public.coin_purchases (user_id, idempotency_key)
  where idempotency_key is not null;
create index coin_purchases_pending_idx on public.coin_purchases (created_at) where status = 'pending';

-- Existing rows: checkouts still open expect what they were started with; credited ones name their credit.
update public.coin_purchases set expected_amount_minor = amount_minor, expected_currency = currency
 where status = 'pending' and checkout_id is not null and provider in ('local', 'stripe', 'iyzico');
update public.coin_purchases p set credit_transaction_id = t.id
  from public.ledger_transactions t
 where t.idempotency_key = 'purchase:' || p.provider || ':' || p.external_id and p.status in ('succeeded', 'refunded', 'disputed');
update public.coin_purchases set refunded_minor = amount_minor, refunded_coins = coins
 where status = 'refunded' and credit_transaction_id is not null;
update public.coin_purchases set disputed_minor = amount_minor, disputed_coins = coins
 where status = 'disputed' and credit_transaction_id is not null;
update public.coin_purchases set hold_reason = 'fraud_review' where status = 'held';

insert into public.economy_settings (key, value, description) values
  ('purchase_pending_expiry_minutes', 1440, 'a checkout still pending after this many minutes expires (Stripe sessions last 24 hours)')
on conflict (key) do nothing;

-- The legal moves. Anything else is refused by the trigger below, whoever runs the update.
create table public.coin_purchase_transitions (
  from_status text not null,
  to_status text not null,
  why text not null,
  primary key (from_status, to_status)
);
alter table public.coin_purchase_transitions enable row level security;
create policy "The purchase lifecycle is public" on public.coin_purchase_transitions
  for select to anon, authenticated using (true);
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

create function public.coin_purchase_transition_guard() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    if new.status <> 'pending' then
      raise exception 'a purchase starts pending, not %', new.status using errcode = '23514';
    end if;
    return new;
  end if;
  if new.status is distinct from old.status and not exists (
    select 1 from public.coin_purchase_transitions t where t.from_status = old.status and t.to_status = new.status
  ) then
    raise exception 'illegal purchase transition % -> %', old.status, new.status using errcode = '23514';
  end if;
  -- Coins are issued once: a credit transaction, once set, is never replaced or removed.
  if old.credit_transaction_id is not null and new.credit_transaction_id is distinct from old.credit_transaction_id then
    raise exception 'a purchase is credited once' using errcode = '23514';
  end if;
  return new;
end
$$;
create trigger coin_purchases_transition before insert or update on public.coin_purchases
  for each row execute function public.coin_purchase_transition_guard();

-- Fees the payment providers keep (Stripe balance transaction fee, Iyzico commission), per currency.
alter table public.ledger_accounts drop constraint ledger_accounts_kind_check;
alter table public.ledger_accounts add constraint ledger_accounts_kind_check check (kind in (
  'user_wallet', 'creator_pending', 'creator_available', 'platform_revenue', 'coin_issuance', 'coin_sales',
  'provider_clearing', 'payouts_in_transit', 'refunds_chargebacks', 'payouts_paid',
  'provider_fees'         -- fiat a payment provider kept as its fee
));

-- Earnings taken back by a refund or chargeback while still pending (decision 013).
alter table public.creator_earnings add column clawed_back bigint not null default 0;
alter table public.creator_earnings add constraint creator_earnings_clawback_bounds check (clawed_back between 0 and amount);

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
create policy "Staff see reconciliation items" on public.reconciliation_items
  for select to authenticated using ((select public.is_admin()));
revoke all on public.reconciliation_items from anon;
revoke insert, update, delete on public.reconciliation_items from authenticated;
