-- Coin purchases through payment providers: webhook events counted exactly once, purchase status history,
-- crediting and reversing coins, and the fraud review queue that debts and risky purchases land in.

alter table public.coin_purchases
  add column checkout_id text unique,
  add column device_install_id text,
  add column ip inet,
  add column card_fingerprint text,
  add column fraud_score int,
  add column updated_reason text;
alter table public.coin_purchases drop constraint coin_purchases_status_check;
alter table public.coin_purchases add constraint coin_purchases_status_check
  check (status in ('pending', 'held', 'succeeded', 'failed', 'refunded', 'disputed', 'blocked'));
create index coin_purchases_user_idx on public.coin_purchases (user_id, created_at desc);

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
create policy "Buyers see their purchase history" on public.coin_purchase_events
  for select to authenticated
  using (exists (select 1 from public.coin_purchases p where p.id = purchase_id and p.user_id = (select auth.uid())));
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
  created_at timestamptz not null default now()
);
create index fraud_cases_open_idx on public.fraud_cases (status, created_at desc);
create index fraud_cases_user_idx on public.fraud_cases (user_id);
alter table public.fraud_cases enable row level security;
revoke all on public.fraud_cases from anon, authenticated;

create function public.purchase_event(p_purchase uuid, p_status text, p_event text, p_note text) returns void
language sql security definer
set search_path = ''
as $$ insert into public.coin_purchase_events (purchase_id, status, provider_event_id, note) values (p_purchase, p_status, p_event, p_note) $$;

/*
 * Credits a succeeded payment exactly once (per provider + external payment id). The purchase row may exist
 * already (created pending at checkout) or not (store purchases arrive by webhook first).
 */
create function public.credit_coin_purchase(
  p_provider text, p_external_id text, p_user uuid, p_package uuid, p_amount_minor bigint, p_currency text,
  p_event_id text default null, p_checkout_id text default null
) returns table (purchase_id uuid, coins bigint, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  pkg record;
  pur record;
  res record;
begin
  select * into pkg from public.coin_packages where id = p_package;
  if not found then raise exception 'unknown coin package' using errcode = 'IP404'; end if;
  -- Find the purchase by provider id, or the pending checkout it completes.
  select * into pur from public.coin_purchases
   where (provider = p_provider and external_id = p_external_id) or (p_checkout_id is not null and checkout_id = p_checkout_id)
   order by (external_id = p_external_id) desc nulls last limit 1 for update;
  if found and pur.status in ('succeeded', 'refunded', 'disputed') then
    return query select pur.id, pur.coins, true;
    return;
  end if;
  if found and pur.status = 'blocked' then
    raise exception 'this purchase was blocked by fraud review' using errcode = 'IP403';
  end if;
  if found then
    if pur.user_id <> p_user then raise exception 'purchase belongs to another user' using errcode = '22023'; end if;
    update public.coin_purchases set external_id = p_external_id, status = 'succeeded', updated_at = now(),
      amount_minor = p_amount_minor, currency = p_currency
     where id = pur.id returning * into pur;
  else
    insert into public.coin_purchases (user_id, package_id, provider, external_id, status, amount_minor, currency, coins, checkout_id)
      values (p_user, p_package, p_provider, p_external_id, 'succeeded', p_amount_minor, p_currency, pkg.coins, p_checkout_id)
      returning * into pur;
  end if;
  select * into res from public.ledger_post('coin_purchase', 'purchase:' || p_provider || ':' || p_external_id,
    md5(p_user::text || pur.coins::text || p_amount_minor::text || p_currency), null,
    jsonb_build_object('purchase_id', pur.id, 'provider', p_provider, 'external_id', p_external_id),
    jsonb_build_array(
      jsonb_build_object('account', public.ledger_account('user_wallet', p_user, null, 'COIN'), 'amount', pur.coins),
      jsonb_build_object('account', public.ledger_account('coin_issuance', null, null, 'COIN'), 'amount', -pur.coins),
      jsonb_build_object('account', public.ledger_account('provider_clearing', null, null, p_currency), 'amount', p_amount_minor),
      jsonb_build_object('account', public.ledger_account('coin_sales', null, null, p_currency), 'amount', -p_amount_minor)
    ));
  perform public.purchase_event(pur.id, 'succeeded', p_event_id, null);
  return query select pur.id, pur.coins, res.replayed;
end
$$;

/*
 * Refund or chargeback: takes the coins back even if they were spent (the wallet goes into debt, spending is
 * blocked by the wallet check until it is repaid, and the account is queued for fraud review).
 */
create function public.reverse_coin_purchase(p_provider text, p_external_id text, p_kind text, p_event_id text default null)
returns table (purchase_id uuid, wallet_balance bigint, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  pur record;
  res record;
  balance bigint;
begin
  if p_kind not in ('refund', 'chargeback') then raise exception 'kind must be refund or chargeback' using errcode = '22023'; end if;
  select * into pur from public.coin_purchases where provider = p_provider and external_id = p_external_id for update;
  if not found then raise exception 'purchase not found' using errcode = 'IP404'; end if;
  if pur.status in ('refunded', 'disputed') then
    return query select pur.id, public.ledger_account_balance(public.ledger_account('user_wallet', pur.user_id, null, 'COIN')), true;
    return;
  end if;
  if pur.status <> 'succeeded' then
    update public.coin_purchases set status = 'failed', updated_at = now(), updated_reason = p_kind where id = pur.id;
    perform public.purchase_event(pur.id, 'failed', p_event_id, p_kind || ' before credit');
    return query select pur.id, 0::bigint, false;
    return;
  end if;
  select * into res from public.ledger_post('purchase_' || p_kind, 'reversal:' || p_provider || ':' || p_external_id,
    md5(p_kind), null,
    jsonb_build_object('purchase_id', pur.id, 'provider', p_provider, 'external_id', p_external_id),
    jsonb_build_array(
      jsonb_build_object('account', public.ledger_account('user_wallet', pur.user_id, null, 'COIN'), 'amount', -pur.coins),
      jsonb_build_object('account', public.ledger_account('coin_issuance', null, null, 'COIN'), 'amount', pur.coins),
      jsonb_build_object('account', public.ledger_account('provider_clearing', null, null, pur.currency), 'amount', -pur.amount_minor),
      jsonb_build_object('account', public.ledger_account('refunds_chargebacks', null, null, pur.currency), 'amount', pur.amount_minor)
    ), true);
  update public.coin_purchases set status = case when p_kind = 'refund' then 'refunded' else 'disputed' end,
    updated_at = now(), updated_reason = p_kind where id = pur.id;
  perform public.purchase_event(pur.id, case when p_kind = 'refund' then 'refunded' else 'disputed' end, p_event_id, null);
  balance := public.ledger_account_balance(public.ledger_account('user_wallet', pur.user_id, null, 'COIN'));
  if balance < 0 then
    insert into public.fraud_cases (user_id, subject_type, subject_id, score, outcome, reasons)
      values (pur.user_id, 'account', pur.id::text, 70, 'review',
              jsonb_build_array(jsonb_build_object('rule', 'debt_after_' || p_kind, 'detail',
                'coins were spent before the ' || p_kind || '; wallet balance ' || balance)));
  end if;
  return query select pur.id, balance, res.replayed;
end
$$;

-- A dispute the platform won: the coins come back (a new transaction; the old ones stay).
create function public.restore_coin_purchase(p_provider text, p_external_id text, p_event_id text default null)
returns table (purchase_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  pur record;
  res record;
begin
  select * into pur from public.coin_purchases where provider = p_provider and external_id = p_external_id for update;
  if not found then raise exception 'purchase not found' using errcode = 'IP404'; end if;
  if pur.status <> 'disputed' then
    return query select pur.id, true;
    return;
  end if;
  select * into res from public.ledger_post('purchase_dispute_won', 'dispute-won:' || p_provider || ':' || p_external_id,
    md5('won'), null, jsonb_build_object('purchase_id', pur.id),
    jsonb_build_array(
      jsonb_build_object('account', public.ledger_account('user_wallet', pur.user_id, null, 'COIN'), 'amount', pur.coins),
      jsonb_build_object('account', public.ledger_account('coin_issuance', null, null, 'COIN'), 'amount', -pur.coins),
      jsonb_build_object('account', public.ledger_account('provider_clearing', null, null, pur.currency), 'amount', pur.amount_minor),
      jsonb_build_object('account', public.ledger_account('refunds_chargebacks', null, null, pur.currency), 'amount', -pur.amount_minor)
    ), true);
  update public.coin_purchases set status = 'succeeded', updated_at = now(), updated_reason = 'dispute won' where id = pur.id;
  perform public.purchase_event(pur.id, 'succeeded', p_event_id, 'dispute won');
  return query select pur.id, res.replayed;
end
$$;

create function public.ledger_account_balance(p_account uuid) returns bigint
language sql stable security definer
set search_path = ''
as $$
  select case when public.ledger_tracks_balance(a.kind) then a.balance
              else coalesce((select sum(e.amount) from public.ledger_entries e where e.account_id = a.id), 0)::bigint end
  from public.ledger_accounts a where a.id = p_account
$$;

revoke execute on function public.purchase_event(uuid, text, text, text) from public, anon, authenticated;
revoke execute on function public.credit_coin_purchase(text, text, uuid, uuid, bigint, text, text, text) from public, anon, authenticated;
revoke execute on function public.reverse_coin_purchase(text, text, text, text) from public, anon, authenticated;
revoke execute on function public.restore_coin_purchase(text, text, text) from public, anon, authenticated;
revoke execute on function public.ledger_account_balance(uuid) from public, anon, authenticated;
grant execute on function public.credit_coin_purchase(text, text, uuid, uuid, bigint, text, text, text) to service_role;
grant execute on function public.reverse_coin_purchase(text, text, text, text) to service_role;
grant execute on function public.restore_coin_purchase(text, text, text) to service_role;
