-- Creator payouts: weekly payout rows for creators above a minimum, admin approval for first and large payouts,
-- processing through a payout provider (Stripe Connect, Iyzico, local) with retries and backoff, and a status
-- history the creator can read. Coins move only through ledger_post:
--   schedule:     creator_available -> payouts_in_transit (the creator's, COIN)
--   paid:         payouts_in_transit -> payouts_paid (COIN), and the fiat leaves provider_clearing -> payouts_paid
--   final failure: payouts_in_transit -> creator_available (the coins come back)

alter table public.ledger_accounts drop constraint ledger_accounts_kind_check;
alter table public.ledger_accounts add constraint ledger_accounts_kind_check check (kind in (
  'user_wallet', 'creator_pending', 'creator_available', 'platform_revenue', 'coin_issuance', 'coin_sales',
  'provider_clearing', 'payouts_in_transit', 'refunds_chargebacks',
  'payouts_paid'          -- coins (and their fiat) that left the platform to creators
));

insert into public.economy_settings (key, value, description) values
  ('payout_max_attempts', 5, 'provider attempts before a payout fails for good and its coins return'),
  ('payout_retry_base_minutes', 30, 'first retry delay of a failed payout; doubles on every further attempt'),
  ('coin_value_minor_try', 40, 'what one coin pays out to a creator paid through Iyzico, in kuruş')
on conflict (key) do nothing;

-- Who is an admin: account-level, never a claim a client could choose.
create or replace function public.user_is_admin(p_user uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$ select coalesce((select a.is_admin from public.accounts a where a.user_id = p_user), false) $$;
revoke execute on function public.user_is_admin(uuid) from public, anon, authenticated;

create or replace function public.is_admin() returns boolean
language sql stable security definer
set search_path = ''
as $$ select public.user_is_admin(auth.uid()) $$;
revoke execute on function public.is_admin() from public, anon;
grant execute on function public.is_admin() to authenticated, service_role;

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
create policy "Creators see their own payout account" on public.payout_accounts
  for select to authenticated using (creator_id = (select public.current_persona_id()));

create table public.payouts (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references public.profiles (id) on delete restrict,
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
create policy "Creators see their own payouts" on public.payouts
  for select to authenticated using (creator_id = (select public.current_persona_id()));

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
create policy "Creators see the history of their payouts" on public.payout_events
  for select to authenticated
  using (exists (select 1 from public.payouts p where p.id = payout_id and p.creator_id = (select public.current_persona_id())));

create function public.payout_event(p_payout uuid, p_status text, p_note text, p_actor uuid, p_at timestamptz)
returns void
language sql security definer
set search_path = ''
as $$
  insert into public.payout_events (payout_id, status, note, actor_user_id, created_at)
  values (p_payout, p_status, p_note, p_actor, coalesce(p_at, now()))
$$;

-- The creator registers (or changes) where they are paid. Open payouts keep the destination they were built with.
create function public.set_payout_account(p_provider text, p_account_id text, p_holder_name text default null)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if not exists (select 1 from public.profiles p where p.id = me and p.is_creator) then
    raise exception 'only creators have payout accounts' using errcode = '42501';
  end if;
  if p_provider = 'stripe' and p_account_id !~ '^acct_[A-Za-z0-9]+$' then
    raise exception 'a Stripe connected account id looks like acct_…' using errcode = '22023';
  end if;
  insert into public.payout_accounts as a (creator_id, provider, account_id, holder_name)
    values (me, p_provider, p_account_id, p_holder_name)
    on conflict (creator_id) do update set provider = excluded.provider, account_id = excluded.account_id,
      holder_name = excluded.holder_name, updated_at = now();
end
$$;
revoke execute on function public.set_payout_account(text, text, text) from public, anon;

/*
 * Weekly (scheduler, injected clock): every creator persona whose available earnings reach the minimum and who
 * has no open payout gets one payout for the week of p_as_of, holding the whole available balance in transit.
 * Runs any number of times per week: one payout per creator and week (unique), one ledger posting per key.
 */
create function public.schedule_payouts(p_as_of timestamptz default now()) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  week_start timestamptz := date_trunc('week', p_as_of at time zone 'UTC') at time zone 'UTC';
  minimum bigint := public.economy_setting('payout_minimum_coins');
  large bigint := public.economy_setting('payout_large_coins');
  c record;
  acct record;
  dest record;
  res record;
  payout uuid;
  reason text;
  cur text;
  minor bigint;
  n int := 0;
begin
  for c in
    select a.id as account_id, a.profile_id as creator_id
    from public.ledger_accounts a
    where a.kind = 'creator_available' and a.currency = 'COIN' and a.profile_id is not null and a.balance >= minimum
      and not exists (select 1 from public.payouts p where p.creator_id = a.profile_id
                      and (p.period_start = week_start or p.status in ('awaiting_approval', 'scheduled', 'processing')
                           or (p.status = 'failed' and p.next_attempt_at is not null)))
    order by a.id
  loop
    -- Read the balance under the row lock ledger_post will take anyway, so the amount moved is exact.
    select a.balance into acct from public.ledger_accounts a where a.id = c.account_id for update;
    if acct.balance < minimum then continue; end if;
    select pa.provider, pa.account_id into dest from public.payout_accounts pa where pa.creator_id = c.creator_id;
    if coalesce(dest.provider, 'local') = 'iyzico' then
      cur := 'TRY';
      minor := acct.balance * public.economy_setting('coin_value_minor_try');
    else
      cur := 'USD';
      minor := acct.balance * public.economy_setting('coin_value_minor_usd');
    end if;
    select * into res from public.ledger_post('payout_scheduled',
      'payout:' || c.creator_id::text || ':' || extract(epoch from week_start)::bigint::text,
      md5(c.creator_id::text || ':' || acct.balance::text), c.creator_id,
      jsonb_build_object('creator_id', c.creator_id, 'week', week_start),
      jsonb_build_array(
        jsonb_build_object('account', c.account_id, 'amount', -acct.balance),
        jsonb_build_object('account', public.ledger_account('payouts_in_transit', null, c.creator_id, 'COIN'), 'amount', acct.balance)
      ));
    if res.replayed then continue; end if;
    reason := case
      when not exists (select 1 from public.payouts p where p.creator_id = c.creator_id and p.status = 'paid') then 'first_payout'
      when acct.balance >= large then 'large_payout'
    end;
    insert into public.payouts (creator_id, amount_coins, amount_minor, currency, status, approval_reason, provider,
                                destination, period_start, period_end, schedule_transaction_id)
      values (c.creator_id, acct.balance, minor, cur, case when reason is null then 'scheduled' else 'awaiting_approval' end,
              reason, coalesce(dest.provider, 'local'), dest.account_id, week_start, week_start + interval '7 days',
              res.transaction_id)
      returning id into payout;
    perform public.payout_event(payout, case when reason is null then 'scheduled' else 'awaiting_approval' end,
      reason, null, p_as_of);
    n := n + 1;
  end loop;
  return n;
end
$$;

-- An admin releases a payout waiting for approval. From a user session the admin is the caller, never a parameter.
create function public.approve_payout(p_payout uuid, p_admin uuid default null, p_as_of timestamptz default now())
returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  admin uuid := coalesce(auth.uid(), p_admin);
  p record;
begin
  if auth.uid() is not null and p_admin is not null and p_admin <> auth.uid() then
    raise exception 'approve as yourself' using errcode = '42501';
  end if;
  if admin is null or not public.user_is_admin(admin) then
    raise exception 'only admins approve payouts' using errcode = '42501';
  end if;
  select * into p from public.payouts where id = p_payout for update;
  if not found then raise exception 'payout not found' using errcode = 'IP404'; end if;
  if p.status <> 'awaiting_approval' then
    if p.approved_by is not null then return p.status; end if; -- approving twice is a no-op
    raise exception 'payout is % and needs no approval', p.status using errcode = '22023';
  end if;
  update public.payouts set status = 'scheduled', approved_by = admin, approved_at = p_as_of, updated_at = now()
   where id = p_payout;
  perform public.payout_event(p_payout, 'scheduled', 'approved', admin, p_as_of);
  return 'scheduled';
end
$$;

/*
 * Claims payouts to hand to a provider: scheduled ones, failed ones whose retry is due, and ones stuck in
 * processing without a provider answer (a crash mid-call; the retry reuses the idempotency key). Concurrent
 * workers never claim the same row (skip locked).
 */
create function public.claim_due_payouts(p_as_of timestamptz default now(), p_limit int default 50)
returns setof public.payouts
language plpgsql security definer
set search_path = ''
as $$
declare
  p record;
begin
  for p in
    select * from public.payouts q
    where q.status = 'scheduled'
       or (q.status = 'failed' and q.next_attempt_at <= p_as_of)
       or (q.status = 'processing' and q.external_id is null and q.processing_started_at <= p_as_of - interval '15 minutes')
    order by q.created_at limit p_limit for update skip locked
  loop
    update public.payouts set status = 'processing', processing_started_at = p_as_of, next_attempt_at = null, updated_at = now()
     where id = p.id;
    perform public.payout_event(p.id, 'processing', 'attempt ' || (p.attempts + 1), null, p_as_of);
    return query select * from public.payouts where id = p.id;
  end loop;
end
$$;

-- The provider accepted the transfer but settles later (Iyzico mass payout): remember its id and wait.
create function public.mark_payout_processing(p_payout uuid, p_external_id text, p_as_of timestamptz default now())
returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  p record;
begin
  select * into p from public.payouts where id = p_payout for update;
  if not found then raise exception 'payout not found' using errcode = 'IP404'; end if;
  if p.status in ('paid', 'failed') or (p.status = 'processing' and p.external_id is not distinct from p_external_id) then
    return p.status;
  end if;
  if p.status not in ('scheduled', 'processing') then
    raise exception 'payout is % and cannot be processed', p.status using errcode = '22023';
  end if;
  update public.payouts set status = 'processing', external_id = p_external_id,
    processing_started_at = coalesce(processing_started_at, p_as_of), updated_at = now()
   where id = p_payout;
  perform public.payout_event(p_payout, 'processing', 'accepted by ' || p.provider || ' as ' || p_external_id, null, p_as_of);
  return 'processing';
end
$$;

-- Settled: the coins leave the creator's transit account and the fiat leaves the platform. Exactly once.
create function public.mark_payout_paid(p_payout uuid, p_external_id text, p_as_of timestamptz default now())
returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  p record;
  res record;
begin
  select * into p from public.payouts where id = p_payout for update;
  if not found then raise exception 'payout not found' using errcode = 'IP404'; end if;
  if p.status = 'paid' then return 'paid'; end if;
  if p.status <> 'processing' then
    raise exception 'payout is % and cannot be paid', p.status using errcode = '22023';
  end if;
  select * into res from public.ledger_post('payout_paid', 'payout-paid:' || p.id::text, md5(p.id::text), p.creator_id,
    jsonb_build_object('payout_id', p.id, 'provider', p.provider, 'external_id', p_external_id),
    jsonb_build_array(
      jsonb_build_object('account', public.ledger_account('payouts_in_transit', null, p.creator_id, 'COIN'), 'amount', -p.amount_coins),
      jsonb_build_object('account', public.ledger_account('payouts_paid', null, null, 'COIN'), 'amount', p.amount_coins),
      jsonb_build_object('account', public.ledger_account('provider_clearing', null, null, p.currency), 'amount', -p.amount_minor),
      jsonb_build_object('account', public.ledger_account('payouts_paid', null, null, p.currency), 'amount', p.amount_minor)
    ));
  update public.payouts set status = 'paid', external_id = coalesce(p_external_id, external_id),
    settle_transaction_id = res.transaction_id, last_error = null, next_attempt_at = null, updated_at = now()
   where id = p_payout;
  perform public.payout_event(p_payout, 'paid', p.provider || ' ' || coalesce(p_external_id, p.external_id, ''), null, p_as_of);
  return 'paid';
end
$$;

/*
 * A provider attempt failed. Retries back off exponentially (base × 2^(attempt-1)); after the last attempt the
 * payout fails for good and its coins return to the creator's available earnings. p_definitive = false for an
 * ambiguous failure (timeout, 5xx): the next attempt reuses the provider idempotency key.
 */
create function public.mark_payout_failed(
  p_payout uuid, p_error text, p_as_of timestamptz default now(), p_definitive boolean default true
) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  p record;
  res record;
  tries int;
begin
  select * into p from public.payouts where id = p_payout for update;
  if not found then raise exception 'payout not found' using errcode = 'IP404'; end if;
  if p.status <> 'processing' then return p.status; end if; -- a late duplicate report changes nothing
  tries := p.attempts + 1;
  if tries < public.economy_setting('payout_max_attempts') then
    update public.payouts set status = 'failed', attempts = tries, last_error = left(p_error, 500),
      transfer_seq = transfer_seq + case when p_definitive then 1 else 0 end,
      external_id = case when p_definitive then null else external_id end,
      next_attempt_at = p_as_of + make_interval(mins => (public.economy_setting('payout_retry_base_minutes') * (2 ^ (tries - 1)))::int),
      updated_at = now()
     where id = p_payout returning * into p;
    perform public.payout_event(p_payout, 'failed', 'attempt ' || tries || ' failed: ' || left(p_error, 200)
      || '; retry at ' || to_char(p.next_attempt_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), null, p_as_of);
    return 'failed';
  end if;
  select * into res from public.ledger_post('payout_returned', 'payout-return:' || p.id::text, md5(p.id::text), p.creator_id,
    jsonb_build_object('payout_id', p.id, 'error', left(p_error, 200)),
    jsonb_build_array(
      jsonb_build_object('account', public.ledger_account('payouts_in_transit', null, p.creator_id, 'COIN'), 'amount', -p.amount_coins),
      jsonb_build_object('account', public.ledger_account('creator_available', null, p.creator_id, 'COIN'), 'amount', p.amount_coins)
    ));
  update public.payouts set status = 'failed', attempts = tries, last_error = left(p_error, 500), next_attempt_at = null,
    settle_transaction_id = res.transaction_id, updated_at = now()
   where id = p_payout;
  perform public.payout_event(p_payout, 'failed', 'gave up after ' || tries || ' attempts: ' || left(p_error, 200)
    || '; coins returned to available earnings', null, p_as_of);
  return 'failed';
end
$$;

revoke execute on function public.payout_event(uuid, text, text, uuid, timestamptz) from public, anon, authenticated;
revoke execute on function public.schedule_payouts(timestamptz) from public, anon, authenticated;
revoke execute on function public.claim_due_payouts(timestamptz, int) from public, anon, authenticated;
revoke execute on function public.mark_payout_processing(uuid, text, timestamptz) from public, anon, authenticated;
revoke execute on function public.mark_payout_paid(uuid, text, timestamptz) from public, anon, authenticated;
revoke execute on function public.mark_payout_failed(uuid, text, timestamptz, boolean) from public, anon, authenticated;
revoke execute on function public.approve_payout(uuid, uuid, timestamptz) from public, anon;
grant execute on function public.schedule_payouts(timestamptz) to service_role;
grant execute on function public.claim_due_payouts(timestamptz, int) to service_role;
grant execute on function public.mark_payout_processing(uuid, text, timestamptz) to service_role;
grant execute on function public.mark_payout_paid(uuid, text, timestamptz) to service_role;
grant execute on function public.mark_payout_failed(uuid, text, timestamptz, boolean) to service_role;
grant execute on function public.approve_payout(uuid, uuid, timestamptz) to authenticated, service_role;
