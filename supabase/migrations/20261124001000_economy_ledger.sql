-- The money engine: settings, posting to the double-entry ledger, spending (PPV, tips, subscriptions, paid
-- messages), coin purchases and their reversal, creator earnings with a hold period, and the invariants.
--
-- Sign convention: an account's balance is the sum of its entries. A user's wallet is positive when the user
-- holds coins; system accounts (issuance, sales) go negative as the mirror. Every transaction sums to zero per
-- currency (checked at commit by ledger_entries_balanced).
-- Concurrency: every posting locks the accounts it touches (in id order, so two postings never deadlock) and
-- keeps a cached balance on the account row; the wallet check reads that locked balance, so concurrent spends
-- serialize per wallet and can never overdraw it.

alter table public.ledger_accounts drop constraint ledger_accounts_kind_check;
alter table public.ledger_accounts add constraint ledger_accounts_kind_check check (kind in (
  'user_wallet',          -- coins a user holds (both personas spend from it)
  'creator_pending',      -- a creator persona's earnings inside the hold period
  'creator_available',    -- earnings that can be paid out
  'platform_revenue',     -- the platform's fee
  'coin_issuance',        -- mirror of coins issued to wallets (COIN)
  'coin_sales',           -- fiat received for coins (per currency)
  'provider_clearing',    -- fiat held by a payment provider (per currency)
  'payouts_in_transit',   -- coins being paid out to creators
  'refunds_chargebacks'   -- fiat returned to buyers
));
alter table public.ledger_accounts add column balance bigint not null default 0;

-- The balance check runs at commit in the caller's role; it must see every leg, not only the caller's rows.
alter function public.assert_transaction_balanced() security definer;

create table public.economy_settings (
  key text primary key,
  value bigint not null,
  description text not null
);
alter table public.economy_settings enable row level security;
create policy "Economy settings are public" on public.economy_settings for select to anon, authenticated using (true);
revoke insert, update, delete on public.economy_settings from anon, authenticated;
insert into public.economy_settings (key, value, description) values
  ('platform_fee_bps', 2000, 'platform fee on every spend, in basis points (20%)'),
  ('earnings_hold_days', 7, 'days a creator''s earnings stay pending (chargeback window)'),
  ('subscription_grace_days', 3, 'days a subscription keeps access while its renewal cannot be paid'),
  ('max_tip_coins', 100000, 'largest single tip'),
  ('payout_minimum_coins', 1000, 'smallest weekly payout'),
  ('payout_large_coins', 100000, 'payouts at or above this wait for admin approval'),
  ('coin_value_minor_usd', 1, 'what one coin pays out to a creator, in US cents');

create function public.economy_setting(p_key text) returns bigint
language sql stable security definer
set search_path = ''
as $$ select value from public.economy_settings where key = p_key $$;

-- Get-or-create an account; system accounts have neither user nor profile.
create function public.ledger_account(p_kind text, p_user uuid, p_profile uuid, p_currency text) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  acct uuid;
begin
  select id into acct from public.ledger_accounts
   where kind = p_kind and user_id is not distinct from p_user and profile_id is not distinct from p_profile and currency = p_currency;
  if acct is null then
    insert into public.ledger_accounts (kind, user_id, profile_id, currency) values (p_kind, p_user, p_profile, p_currency)
      on conflict (kind, user_id, profile_id, currency) do nothing returning id into acct;
    if acct is null then
      select id into acct from public.ledger_accounts
       where kind = p_kind and user_id is not distinct from p_user and profile_id is not distinct from p_profile and currency = p_currency;
    end if;
  end if;
  return acct;
end
$$;

-- Accounts whose balance is read under a lock (overdraft checks, payouts) keep a cached balance.
create function public.ledger_tracks_balance(p_kind text) returns boolean
language sql immutable
set search_path = ''
as $$ select p_kind in ('user_wallet', 'creator_pending', 'creator_available', 'payouts_in_transit') $$;

/*
 * Posts one balanced transaction, exactly once per idempotency key. p_legs: [{"account": uuid, "amount": n}, …].
 * Returns the transaction id and whether it was a replay. A replay with a different request (p_request_hash)
 * is refused, like Stripe's Idempotency-Key. Wallet legs that would go below zero raise insufficient_funds,
 * unless p_allow_debt (refunds and chargebacks may push a wallet into debt).
 */
create function public.ledger_post(
  p_kind text, p_idempotency_key text, p_request_hash text, p_actor uuid, p_meta jsonb, p_legs jsonb, p_allow_debt boolean default false
) returns table (transaction_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  tx uuid;
  prior_hash text;
  leg record;
  acct record;
begin
  insert into public.ledger_transactions (kind, idempotency_key, actor_profile_id, meta)
    values (p_kind, p_idempotency_key, p_actor, coalesce(p_meta, '{}'::jsonb) || jsonb_build_object('request_hash', p_request_hash))
    on conflict (idempotency_key) do nothing
    returning id into tx;
  if tx is null then
    select t.id, t.meta ->> 'request_hash' into tx, prior_hash from public.ledger_transactions t where t.idempotency_key = p_idempotency_key;
    if prior_hash is distinct from p_request_hash then
      raise exception 'this Idempotency-Key was already used for a different request' using errcode = 'IP409';
    end if;
    return query select tx, true;
    return;
  end if;
  -- Lock the touched balance-tracking accounts in a fixed order. System accounts (platform revenue, issuance,
  -- sales, clearing) are neither locked nor given a cached balance: every spend touches them, and a row lock
  -- there would queue the whole platform behind one row (measured in bench/economy).
  perform 1 from public.ledger_accounts a
   where a.id in (select (l ->> 'account')::uuid from jsonb_array_elements(p_legs) l)
     and public.ledger_tracks_balance(a.kind)
   order by a.id for update;
  for leg in
    select x.account, x.amount, a.kind
    from (select (l ->> 'account')::uuid as account, (l ->> 'amount')::bigint as amount from jsonb_array_elements(p_legs) l) x
    join public.ledger_accounts a on a.id = x.account
  loop
    if leg.amount = 0 then continue; end if;
    insert into public.ledger_entries (transaction_id, account_id, amount) values (tx, leg.account, leg.amount);
    if not public.ledger_tracks_balance(leg.kind) then continue; end if;
    update public.ledger_accounts set balance = balance + leg.amount where id = leg.account
      returning kind, balance into acct;
    if acct.kind = 'user_wallet' and leg.amount < 0 and acct.balance < 0 and not p_allow_debt then
      if acct.balance - leg.amount < 0 then
        raise exception 'your wallet is in debt after a refund; top up before spending' using errcode = 'IP423';
      end if;
      raise exception 'not enough coins' using errcode = 'IP402';
    end if;
  end loop;
  return query select tx, false;
end
$$;
revoke execute on function public.ledger_post(text, text, text, uuid, jsonb, jsonb, boolean) from public, anon, authenticated;
revoke execute on function public.ledger_account(text, uuid, uuid, text) from public, anon, authenticated;

-- Earnings wait out the hold period before a creator can be paid.
create table public.creator_earnings (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references public.profiles (id) on delete restrict,
  transaction_id uuid not null references public.ledger_transactions (id),
  kind text not null,
  amount bigint not null check (amount > 0),
  available_at timestamptz not null,
  released_transaction_id uuid references public.ledger_transactions (id),
  created_at timestamptz not null default now()
);
create index creator_earnings_due_idx on public.creator_earnings (available_at) where released_transaction_id is null;
create index creator_earnings_creator_idx on public.creator_earnings (creator_id, created_at desc);
alter table public.creator_earnings enable row level security;
create policy "Creators see their earnings" on public.creator_earnings
  for select to authenticated using (creator_id = (select public.current_persona_id()));
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
create policy "Sender and creator see a tip" on public.tips
  for select to authenticated
  using (sender_id = (select public.current_persona_id()) or creator_id = (select public.current_persona_id()));
revoke all on public.tips from anon;
revoke insert, update, delete on public.tips from authenticated;

-- Paid messages: a creator sets a price; the recipient pays once to read.
alter table public.messages add column price_coins bigint check (price_coins is null or price_coins > 0);
create table public.message_unlocks (
  message_id uuid not null references public.messages (id) on delete cascade,
  buyer_id uuid not null references public.profiles (id) on delete cascade,
  ledger_transaction_id uuid not null references public.ledger_transactions (id),
  created_at timestamptz not null default now(),
  primary key (message_id, buyer_id)
);
alter table public.message_unlocks enable row level security;
create policy "Buyers see their message unlocks" on public.message_unlocks
  for select to authenticated using (buyer_id = (select public.current_persona_id()));
revoke all on public.message_unlocks from anon;
revoke insert, update, delete on public.message_unlocks from authenticated;

alter table public.subscriptions add column grace_until timestamptz;
alter table public.subscriptions add column last_charge_transaction_id uuid references public.ledger_transactions (id);
alter table public.subscriptions add column trial_used boolean not null default false;

-- Spending now distinguishes grace: a past-due subscription keeps access until grace_until.
create or replace function public.has_active_subscription(p_subscriber uuid, p_creator uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.subscriptions s
    where s.subscriber_id = p_subscriber and s.creator_id = p_creator
      and (
        (s.status in ('trialing', 'active') and s.current_period_end > now())
        or (s.status = 'past_due' and s.grace_until > now())
      )
  )
$$;

create or replace function public.can_access_post(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.posts p
    where p.id = target
      and (
        p.author_id = public.current_persona_id()
        or (
          p.status = 'published'
          and (
            p.visibility = 'public'
            or (p.visibility = 'followers' and (
              exists (select 1 from public.follows f where f.follower_id = public.current_persona_id() and f.followee_id = p.author_id)
              or public.has_active_subscription(public.current_persona_id(), p.author_id)
            ))
            or (p.visibility = 'subscribers' and public.has_active_subscription(public.current_persona_id(), p.author_id))
            or (p.visibility = 'ppv' and exists (
              select 1 from public.ppv_unlocks u where u.buyer_id = public.current_persona_id() and u.post_id = p.id))
          )
        )
      )
  )
$$;

/*
 * The one way coins leave a wallet for a creator. Splits the amount into the creator's pending earnings and
 * the platform fee, records the earning with its hold period. Caller: the security-definer spend functions.
 */
create function public.spend_to_creator(
  p_kind text, p_user uuid, p_buyer uuid, p_creator uuid, p_amount bigint, p_idempotency_key text, p_meta jsonb
) returns table (transaction_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  fee bigint;
  share bigint;
  res record;
begin
  if p_amount <= 0 then raise exception 'amount must be positive' using errcode = '22023'; end if;
  if exists (select 1 from public.persona_links l where l.profile_id = p_creator and l.user_id = p_user) then
    raise exception 'you cannot pay your own persona' using errcode = '22023';
  end if;
  fee := (p_amount * public.economy_setting('platform_fee_bps')) / 10000;
  share := p_amount - fee;
  select * into res from public.ledger_post(
    p_kind,
    p_user::text || ':' || p_idempotency_key,
    md5(p_kind || ':' || p_creator::text || ':' || p_amount::text || ':' || coalesce(p_meta ->> 'target', '')),
    p_buyer,
    p_meta || jsonb_build_object('creator_id', p_creator, 'amount', p_amount, 'fee', fee),
    jsonb_build_array(
      jsonb_build_object('account', public.ledger_account('user_wallet', p_user, null, 'COIN'), 'amount', -p_amount),
      jsonb_build_object('account', public.ledger_account('creator_pending', null, p_creator, 'COIN'), 'amount', share),
      jsonb_build_object('account', public.ledger_account('platform_revenue', null, null, 'COIN'), 'amount', fee)
    )
  );
  if not res.replayed and share > 0 then
    insert into public.creator_earnings (creator_id, transaction_id, kind, amount, available_at)
      values (p_creator, res.transaction_id, p_kind, share, now() + make_interval(days => public.economy_setting('earnings_hold_days')::int));
  end if;
  return query select res.transaction_id, res.replayed;
end
$$;
revoke execute on function public.spend_to_creator(text, uuid, uuid, uuid, bigint, text, jsonb) from public, anon, authenticated;

-- Unlock a pay-per-view post for the active persona; buying twice never charges twice.
create function public.unlock_post(p_post uuid, p_idempotency_key text)
returns table (unlock_id uuid, transaction_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  buyer uuid := public.current_persona_id();
  post record;
  existing record;
  res record;
begin
  if auth.uid() is null or buyer is null then raise exception 'sign in first' using errcode = '28000'; end if;
  select p.id, p.author_id, p.price_coins, p.visibility, p.status into post from public.posts p where p.id = p_post;
  if not found or post.status <> 'published' then raise exception 'post not found' using errcode = 'IP404'; end if;
  if post.visibility <> 'ppv' then raise exception 'this post is not pay-per-view' using errcode = '22023'; end if;
  -- Two requests with different keys for the same unlock must not both charge: serialize on (buyer, post).
  perform pg_advisory_xact_lock(hashtextextended('unlock:' || buyer::text || ':' || p_post::text, 0));
  select u.id, u.ledger_transaction_id into existing from public.ppv_unlocks u where u.buyer_id = buyer and u.post_id = p_post;
  if found then
    return query select existing.id, existing.ledger_transaction_id, true;
    return;
  end if;
  select * into res from public.spend_to_creator('ppv_unlock', auth.uid(), buyer, post.author_id, post.price_coins,
    p_idempotency_key, jsonb_build_object('post_id', p_post, 'target', p_post::text));
  insert into public.ppv_unlocks (buyer_id, post_id, price_coins, ledger_transaction_id)
    values (buyer, p_post, post.price_coins, res.transaction_id)
    on conflict (buyer_id, post_id) do nothing;
  return query select u.id, u.ledger_transaction_id, res.replayed from public.ppv_unlocks u where u.buyer_id = buyer and u.post_id = p_post;
end
$$;
revoke execute on function public.unlock_post(uuid, text) from public, anon;

create function public.send_tip(p_creator uuid, p_amount bigint, p_note text, p_idempotency_key text)
returns table (tip_id uuid, transaction_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  sender uuid := public.current_persona_id();
  res record;
  tip uuid;
begin
  if auth.uid() is null or sender is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if p_amount is null or p_amount < 1 or p_amount > public.economy_setting('max_tip_coins') then
    raise exception 'amount must be between 1 and % coins', public.economy_setting('max_tip_coins') using errcode = '22023';
  end if;
  if not exists (select 1 from public.profiles p where p.id = p_creator and p.is_creator and p.status = 'active') then
    raise exception 'creator not found' using errcode = 'IP404';
  end if;
  select * into res from public.spend_to_creator('tip', auth.uid(), sender, p_creator, p_amount, p_idempotency_key,
    jsonb_build_object('target', 'tip'));
  if res.replayed then
    select t.id into tip from public.tips t where t.ledger_transaction_id = res.transaction_id;
  else
    insert into public.tips (sender_id, creator_id, amount_coins, note, ledger_transaction_id)
      values (sender, p_creator, p_amount, coalesce(p_note, ''), res.transaction_id) returning id into tip;
  end if;
  return query select tip, res.transaction_id, res.replayed;
end
$$;
revoke execute on function public.send_tip(uuid, bigint, text, text) from public, anon;

-- A paid message is read after paying its price once.
create function public.unlock_message(p_message uuid, p_idempotency_key text)
returns table (transaction_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  buyer uuid := public.current_persona_id();
  msg record;
  existing uuid;
  res record;
begin
  if auth.uid() is null or buyer is null then raise exception 'sign in first' using errcode = '28000'; end if;
  select m.id, m.sender_id, m.price_coins, m.conversation_id into msg from public.messages m where m.id = p_message;
  if not found or not public.is_conversation_member(msg.conversation_id) then
    raise exception 'message not found' using errcode = 'IP404';
  end if;
  if msg.price_coins is null then raise exception 'this message is free' using errcode = '22023'; end if;
  perform pg_advisory_xact_lock(hashtextextended('message:' || buyer::text || ':' || p_message::text, 0));
  select u.ledger_transaction_id into existing from public.message_unlocks u where u.message_id = p_message and u.buyer_id = buyer;
  if existing is not null then
    return query select existing, true;
    return;
  end if;
  select * into res from public.spend_to_creator('paid_message', auth.uid(), buyer, msg.sender_id, msg.price_coins,
    p_idempotency_key, jsonb_build_object('message_id', p_message, 'target', p_message::text));
  insert into public.message_unlocks (message_id, buyer_id, ledger_transaction_id) values (p_message, buyer, res.transaction_id)
    on conflict do nothing;
  return query select res.transaction_id, res.replayed;
end
$$;
revoke execute on function public.unlock_message(uuid, text) from public, anon;

-- Subscribe the active persona to a tier: a free trial once per creator, otherwise the first month is charged.
create function public.subscribe(p_tier uuid, p_idempotency_key text)
returns table (subscription_id uuid, status text, current_period_end timestamptz, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  subscriber uuid := public.current_persona_id();
  tier record;
  sub record;
  has_sub boolean;
  trial boolean;
  charge_tx uuid;
  charge_replayed boolean := false;
begin
  if auth.uid() is null or subscriber is null then raise exception 'sign in first' using errcode = '28000'; end if;
  select t.* into tier from public.subscription_tiers t where t.id = p_tier and t.active;
  if not found then raise exception 'tier not found' using errcode = 'IP404'; end if;
  -- One subscription per (subscriber, creator): concurrent first subscriptions must not both charge.
  perform pg_advisory_xact_lock(hashtextextended('subscribe:' || subscriber::text || ':' || tier.creator_id::text, 0));
  select s.* into sub from public.subscriptions s where s.subscriber_id = subscriber and s.creator_id = tier.creator_id;
  has_sub := found;
  if has_sub and public.has_active_subscription(subscriber, tier.creator_id) then
    if sub.cancel_at_period_end then
      update public.subscriptions s set cancel_at_period_end = false where s.id = sub.id;
    end if;
    return query select sub.id, sub.status, sub.current_period_end, true;
    return;
  end if;
  trial := tier.trial_days > 0 and (not has_sub or not sub.trial_used);
  if not trial then
    select r.transaction_id, r.replayed into charge_tx, charge_replayed
      from public.spend_to_creator('subscription', auth.uid(), subscriber, tier.creator_id, tier.price_coins,
        p_idempotency_key, jsonb_build_object('tier_id', tier.id, 'target', tier.id::text)) r;
  end if;
  insert into public.subscriptions as s (subscriber_id, creator_id, tier_id, status, current_period_start, current_period_end,
                                          trial_used, last_charge_transaction_id)
    values (subscriber, tier.creator_id, tier.id, case when trial then 'trialing' else 'active' end, now(),
            case when trial then now() + make_interval(days => tier.trial_days) else now() + interval '1 month' end,
            trial, charge_tx)
    on conflict (subscriber_id, creator_id) do update set
      tier_id = excluded.tier_id, status = excluded.status, current_period_start = excluded.current_period_start,
      current_period_end = excluded.current_period_end, cancel_at_period_end = false, grace_until = null,
      trial_used = s.trial_used or excluded.trial_used, last_charge_transaction_id = excluded.last_charge_transaction_id
    returning s.* into sub;
  return query select sub.id, sub.status, sub.current_period_end, charge_replayed;
end
$$;
revoke execute on function public.subscribe(uuid, text) from public, anon;

-- Cancel: access continues until the end of the paid period, then it expires.
create function public.cancel_subscription(p_creator uuid) returns timestamptz
language plpgsql security definer
set search_path = ''
as $$
declare
  ends timestamptz;
begin
  update public.subscriptions s set cancel_at_period_end = true
   where s.subscriber_id = public.current_persona_id() and s.creator_id = p_creator and s.status in ('trialing', 'active', 'past_due')
   returning s.current_period_end into ends;
  if ends is null then raise exception 'subscription not found' using errcode = 'IP404'; end if;
  return ends;
end
$$;
revoke execute on function public.cancel_subscription(uuid) from public, anon;

/*
 * Renewal (scheduler, with an injected clock): every subscription whose period ended by p_as_of is renewed
 * from the subscriber's wallet, cancelled ones expire, unpaid ones go past due with a grace period and expire
 * after it. Each renewal charges once per period (idempotency key = subscription + period end).
 */
create function public.renew_subscriptions(p_as_of timestamptz default now(), p_batch int default 500)
returns table (renewed int, past_due int, expired int)
language plpgsql security definer
set search_path = ''
as $$
declare
  sub record;
  tier record;
  owner_user uuid;
  res record;
  n_renewed int := 0;
  n_past_due int := 0;
  n_expired int := 0;
  next_end timestamptz;
begin
  for sub in
    select s.* from public.subscriptions s
    where s.status in ('trialing', 'active', 'past_due') and s.current_period_end <= p_as_of
    order by s.current_period_end limit p_batch for update skip locked
  loop
    if sub.cancel_at_period_end then
      update public.subscriptions set status = 'expired' where id = sub.id;
      n_expired := n_expired + 1;
      continue;
    end if;
    select t.* into tier from public.subscription_tiers t where t.id = sub.tier_id;
    select l.user_id into owner_user from public.persona_links l where l.profile_id = sub.subscriber_id;
    next_end := sub.current_period_end + interval '1 month';
    begin
      select * into res from public.spend_to_creator('subscription_renewal', owner_user, sub.subscriber_id, sub.creator_id,
        tier.price_coins, 'renewal:' || sub.id::text || ':' || extract(epoch from sub.current_period_end)::bigint::text,
        jsonb_build_object('subscription_id', sub.id, 'target', sub.id::text));
      update public.subscriptions set status = 'active', current_period_start = sub.current_period_end,
        current_period_end = next_end, grace_until = null, last_charge_transaction_id = res.transaction_id
      where id = sub.id;
      n_renewed := n_renewed + 1;
    exception when sqlstate 'IP402' or sqlstate 'IP423' then
      if sub.status = 'past_due' and sub.grace_until <= p_as_of then
        update public.subscriptions set status = 'expired' where id = sub.id;
        n_expired := n_expired + 1;
      elsif sub.status <> 'past_due' then
        update public.subscriptions set status = 'past_due',
          grace_until = sub.current_period_end + make_interval(days => public.economy_setting('subscription_grace_days')::int)
        where id = sub.id;
        n_past_due := n_past_due + 1;
      end if;
    end;
  end loop;
  return query select n_renewed, n_past_due, n_expired;
end
$$;
revoke execute on function public.renew_subscriptions(timestamptz, int) from public, anon, authenticated;
grant execute on function public.renew_subscriptions(timestamptz, int) to service_role;

-- Pending earnings whose hold has passed become available, one transaction per creator.
create function public.release_earnings(p_as_of timestamptz default now()) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  c record;
  res record;
  n int := 0;
begin
  for c in
    select e.creator_id, sum(e.amount)::bigint as total, array_agg(e.id) as ids, max(e.available_at) as upto
    from public.creator_earnings e
    where e.released_transaction_id is null and e.available_at <= p_as_of
    group by e.creator_id
  loop
    select * into res from public.ledger_post('earnings_release',
      'release:' || c.creator_id::text || ':' || md5(array_to_string(c.ids, ',')), null, c.creator_id,
      jsonb_build_object('creator_id', c.creator_id, 'earnings', to_jsonb(c.ids)),
      jsonb_build_array(
        jsonb_build_object('account', public.ledger_account('creator_pending', null, c.creator_id, 'COIN'), 'amount', -c.total),
        jsonb_build_object('account', public.ledger_account('creator_available', null, c.creator_id, 'COIN'), 'amount', c.total)
      ));
    update public.creator_earnings set released_transaction_id = res.transaction_id where id = any (c.ids);
    n := n + cardinality(c.ids);
  end loop;
  return n;
end
$$;
revoke execute on function public.release_earnings(timestamptz) from public, anon, authenticated;
grant execute on function public.release_earnings(timestamptz) to service_role;

-- Wallet balance and history for the signed-in user (both personas share one wallet).
create function public.my_wallet_balance() returns bigint
language sql stable security definer
set search_path = ''
as $$
  select coalesce((select a.balance from public.ledger_accounts a
                   where a.kind = 'user_wallet' and a.user_id = auth.uid() and a.currency = 'COIN'), 0)
$$;
revoke execute on function public.my_wallet_balance() from public, anon;

/*
 * The books: per currency the entries sum to zero, every cached balance equals its entries, and every
 * transaction balances. Returns one row per violation; empty means healthy. Operators: `npm run ledger:check`.
 */
create function public.ledger_invariant_violations()
returns table (check_name text, subject text, detail text)
language sql stable security definer
set search_path = ''
as $$
  select 'currency_sum', a.currency, 'entries sum to ' || sum(e.amount)
    from public.ledger_entries e join public.ledger_accounts a on a.id = e.account_id
    group by a.currency having sum(e.amount) <> 0
  union all
  select 'cached_balance', a.id::text, 'balance ' || a.balance || ' but entries sum to ' || coalesce(s.total, 0)
    from public.ledger_accounts a
    left join (select account_id, sum(amount) as total from public.ledger_entries group by account_id) s on s.account_id = a.id
    where (public.ledger_tracks_balance(a.kind) and a.balance <> coalesce(s.total, 0))
       or (not public.ledger_tracks_balance(a.kind) and a.balance <> 0)
  union all
  select 'transaction_balance', e.transaction_id::text, a.currency || ' legs sum to ' || sum(e.amount)
    from public.ledger_entries e join public.ledger_accounts a on a.id = e.account_id
    group by e.transaction_id, a.currency having sum(e.amount) <> 0
  union all
  select 'wallet_negative_without_debt_record', a.id::text, 'balance ' || a.balance
    from public.ledger_accounts a
    where a.kind = 'user_wallet' and a.balance < 0
      and not exists (select 1 from public.ledger_transactions t join public.ledger_entries e on e.transaction_id = t.id
                      where e.account_id = a.id and t.kind in ('purchase_refund', 'purchase_chargeback'))
$$;
revoke execute on function public.ledger_invariant_violations() from public, anon, authenticated;
grant execute on function public.ledger_invariant_violations() to service_role;

-- A wallet is shared by both personas, but each persona sees only its own spending in the history: a shadow
-- session never reads what the real persona bought (and vice versa). Purchases and refunds have no persona.
create function public.ledger_entry_visible(p_account uuid, p_tx uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.ledger_accounts a join public.ledger_transactions t on t.id = p_tx
    where a.id = p_account
      and (
        a.profile_id = public.current_persona_id()
        or (a.user_id = auth.uid() and (t.actor_profile_id is null or t.actor_profile_id = public.current_persona_id()))
      )
  )
$$;
drop policy "Owners see entries of their accounts" on public.ledger_entries;
create policy "Owners see their entries, per persona" on public.ledger_entries
  for select to authenticated using (public.ledger_entry_visible(account_id, transaction_id));
drop policy "Owners see transactions touching their accounts" on public.ledger_transactions;
create policy "Owners see their transactions, per persona" on public.ledger_transactions
  for select to authenticated
  using (exists (select 1 from public.ledger_entries e where e.transaction_id = ledger_transactions.id
                 and public.ledger_entry_visible(e.account_id, e.transaction_id)));

-- Creators define their own subscription tiers.
grant insert (creator_id, name, price_coins, trial_days) on public.subscription_tiers to authenticated;
grant update (name, active) on public.subscription_tiers to authenticated;
create policy "Creators add tiers to their own persona" on public.subscription_tiers
  for insert to authenticated
  with check (
    creator_id = (select public.current_persona_id())
    and exists (select 1 from public.profiles p where p.id = creator_id and p.is_creator)
  );
create policy "Creators edit their own tiers" on public.subscription_tiers
  for update to authenticated
  using (creator_id = (select public.current_persona_id()))
  with check (creator_id = (select public.current_persona_id()));
