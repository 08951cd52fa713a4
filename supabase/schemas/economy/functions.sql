-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

-- Books must balance: every transaction's entries sum to zero per currency, checked at commit. Security
-- definer: the check runs at commit in the caller's role; it must see every leg, not only the caller's rows.
create function public.assert_transaction_balanced() returns trigger
language plpgsql security definer
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

create function public.economy_setting(p_key text) returns bigint
language sql stable security definer
set search_path = ''
as $$ select value from public.economy_settings where key = p_key $$;

-- Get-or-create an open account (closed ones belong to deleted users); system accounts have neither user nor
-- profile.
create function public.ledger_account(p_kind text, p_user uuid, p_profile uuid, p_currency text) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  acct uuid;
begin
  select id into acct from public.ledger_accounts
   where kind = p_kind and user_id is not distinct from p_user and profile_id is not distinct from p_profile
     and currency = p_currency and closed_at is null;
  if acct is null then
    insert into public.ledger_accounts (kind, user_id, profile_id, currency) values (p_kind, p_user, p_profile, p_currency)
      on conflict (kind, user_id, profile_id, currency) where closed_at is null do nothing returning id into acct;
    if acct is null then
      select id into acct from public.ledger_accounts
       where kind = p_kind and user_id is not distinct from p_user and profile_id is not distinct from p_profile
         and currency = p_currency and closed_at is null;
    end if;
  end if;
  return acct;
end
$$;
revoke execute on function public.ledger_account(text, uuid, uuid, text) from public, anon, authenticated;

-- Accounts whose balance is read under a lock (overdraft checks, payouts) keep a cached balance.
create function public.is_balance_tracked(p_kind text) returns boolean
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
     and public.is_balance_tracked(a.kind)
   order by a.id for update;
  for leg in
    select x.account, x.amount, a.kind
    from (select (l ->> 'account')::uuid as account, (l ->> 'amount')::bigint as amount from jsonb_array_elements(p_legs) l) x
    join public.ledger_accounts a on a.id = x.account
  loop
    if leg.amount = 0 then continue; end if;
    insert into public.ledger_entries (transaction_id, account_id, amount) values (tx, leg.account, leg.amount);
    if not public.is_balance_tracked(leg.kind) then continue; end if;
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

-- Tip a creator persona. The note is part of what an Idempotency-Key stands for: the same key with another
-- note is a different request (409), not a replay that silently drops the new note. An empty note keeps the
-- fingerprint tips had before notes counted, so an old retry still replays.
create function public.send_tip(p_creator uuid, p_amount bigint, p_note text, p_idempotency_key text)
returns table (tip_id uuid, transaction_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  sender uuid := public.current_persona_id();
  res record;
  tip uuid;
  note text := coalesce(p_note, '');
begin
  if auth.uid() is null or sender is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if p_amount is null or p_amount < 1 or p_amount > public.economy_setting('max_tip_coins') then
    raise exception 'amount must be between 1 and % coins', public.economy_setting('max_tip_coins') using errcode = '22023';
  end if;
  if not exists (select 1 from public.profiles p where p.id = p_creator and p.is_creator and p.status = 'active') then
    raise exception 'creator not found' using errcode = 'IP404';
  end if;
  perform public.assert_persona_visible(p_creator, 'creator not found');
  select * into res from public.spend_to_creator('tip', auth.uid(), sender, p_creator, p_amount, p_idempotency_key,
    jsonb_build_object('target', case when note = '' then 'tip' else 'tip:' || md5(note) end));
  if res.replayed then
    select t.id into tip from public.tips t where t.ledger_transaction_id = res.transaction_id;
  else
    insert into public.tips (sender_id, creator_id, amount_coins, note, ledger_transaction_id)
      values (sender, p_creator, p_amount, note, res.transaction_id) returning id into tip;
  end if;
  return query select tip, res.transaction_id, res.replayed;
end
$$;
revoke execute on function public.send_tip(uuid, bigint, text, text) from public, anon;

-- Pending earnings whose hold has passed become available, one transaction per creator: what is left of each
-- earning after clawbacks; rows are locked so a clawback and a release of the same earning serialize.
create function public.release_earnings(p_as_of timestamptz default now()) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  c record;
  res record;
  ids uuid[];
  total bigint;
  n int := 0;
begin
  for c in
    select distinct e.creator_id from public.creator_earnings e
     where e.released_transaction_id is null and e.available_at <= p_as_of and e.creator_id is not null
  loop
    select array_agg(x.id order by x.id), coalesce(sum(x.amount - x.clawed_back), 0)::bigint into ids, total
      from (select e.id, e.amount, e.clawed_back from public.creator_earnings e
             where e.creator_id = c.creator_id and e.released_transaction_id is null and e.available_at <= p_as_of
             for update) x;
    continue when ids is null;
    select * into res from public.ledger_post('earnings_release',
      'release:' || c.creator_id::text || ':' || md5(array_to_string(ids, ',')), null, c.creator_id,
      jsonb_build_object('creator_id', c.creator_id, 'earnings', to_jsonb(ids)),
      jsonb_build_array(
        jsonb_build_object('account', public.ledger_account('creator_pending', null, c.creator_id, 'COIN'), 'amount', -total),
        jsonb_build_object('account', public.ledger_account('creator_available', null, c.creator_id, 'COIN'), 'amount', total)
      ));
    update public.creator_earnings set released_transaction_id = res.transaction_id where id = any (ids);
    n := n + cardinality(ids);
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
    where (public.is_balance_tracked(a.kind) and a.balance <> coalesce(s.total, 0))
       or (not public.is_balance_tracked(a.kind) and a.balance <> 0)
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
create function public.can_see_ledger_entry(p_account uuid, p_tx uuid) returns boolean
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

create function public.purchase_event(p_purchase uuid, p_status text, p_event text, p_note text) returns void
language sql security definer
set search_path = ''
as $$ insert into public.coin_purchase_events (purchase_id, status, provider_event_id, note) values (p_purchase, p_status, p_event, p_note) $$;
revoke execute on function public.purchase_event(uuid, text, text, text) from public, anon, authenticated;

/*
 * A dispute the platform won: the coins the chargeback took come back (new transactions; the old ones stay),
 * and so do the creator earnings it clawed back (as new earnings, available at once: their hold was served).
 */
create function public.restore_coin_purchase(p_provider text, p_external_id text, p_event_id text default null)
returns table (purchase_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  pur record;
  res record;
  c record;
  back record;
  wallet uuid;
begin
  select * into pur from public.coin_purchases where provider = p_provider and external_id = p_external_id for update;
  if not found then raise exception 'purchase not found' using errcode = 'IP404'; end if;
  if pur.status <> 'disputed' then
    return query select pur.id, true;
    return;
  end if;
  if pur.credit_transaction_id is null then
    perform public.reconciliation_open('dispute_won_uncredited', p_provider, p_external_id, pur.checkout_id, pur.id, pur.user_id,
      null, null, p_event_id, 'a dispute was won for a purchase that was never credited; decide whether to credit it');
    return query select pur.id, true;
    return;
  end if;
  wallet := public.ledger_account('user_wallet', pur.user_id, null, 'COIN');
  select * into res from public.ledger_post('purchase_dispute_won', 'dispute-won:' || p_provider || ':' || p_external_id || ':' ||
      (select count(*) from public.ledger_transactions t where t.kind = 'purchase_dispute_won' and t.meta ->> 'purchase_id' = pur.id::text),
    md5('won'), null, jsonb_build_object('purchase_id', pur.id),
    jsonb_build_array(
      jsonb_build_object('account', wallet, 'amount', pur.disputed_coins),
      jsonb_build_object('account', public.ledger_account('coin_issuance', null, null, 'COIN'), 'amount', -pur.disputed_coins),
      jsonb_build_object('account', public.ledger_account('provider_clearing', null, null, pur.currency), 'amount', pur.disputed_minor),
      jsonb_build_object('account', public.ledger_account('refunds_chargebacks', null, null, pur.currency), 'amount', -pur.disputed_minor)
    ), true);
  for c in
    select k.*, e.creator_id, t.actor_profile_id as actor from public.purchase_clawbacks k
      join public.creator_earnings e on e.id = k.earning_id
      join public.ledger_transactions t on t.id = k.spend_transaction_id
     where k.purchase_id = pur.id and k.reversal_kind = 'chargeback' and k.restored_transaction_id is null and e.creator_id is not null
     for update of k
  loop
    select * into back from public.ledger_post('earnings_clawback_restored', 'clawback-restored:' || c.id::text, null, c.actor,
      jsonb_build_object('purchase_id', pur.id, 'clawback_id', c.id, 'creator_id', c.creator_id),
      jsonb_build_array(
        jsonb_build_object('account', wallet, 'amount', -c.coins),
        jsonb_build_object('account', public.ledger_account('creator_pending', null, c.creator_id, 'COIN'), 'amount', c.creator_coins),
        jsonb_build_object('account', public.ledger_account('platform_revenue', null, null, 'COIN'), 'amount', c.platform_coins)
      ), true);
    if c.creator_coins > 0 then
      insert into public.creator_earnings (creator_id, transaction_id, kind, amount, available_at)
        values (c.creator_id, back.transaction_id, 'clawback_restored', c.creator_coins, now());
    end if;
    update public.purchase_clawbacks set restored_transaction_id = back.transaction_id where id = c.id;
  end loop;
  update public.coin_purchases set disputed_coins = 0, disputed_minor = 0 where id = pur.id;
  perform public.purchase_set_status(pur.id, case when pur.refunded_minor > 0 or pur.refunded_coins > 0
    then 'partially_refunded' else 'succeeded' end, p_event_id, 'dispute won');
  return query select pur.id, res.replayed;
end
$$;
revoke execute on function public.restore_coin_purchase(text, text, text) from public, anon, authenticated;
grant execute on function public.restore_coin_purchase(text, text, text) to service_role;

create function public.ledger_account_balance(p_account uuid) returns bigint
language sql stable security definer
set search_path = ''
as $$
  select case when public.is_balance_tracked(a.kind) then a.balance
              else coalesce((select sum(e.amount) from public.ledger_entries e where e.account_id = a.id), 0)::bigint end
  from public.ledger_accounts a where a.id = p_account
$$;
revoke execute on function public.ledger_account_balance(uuid) from public, anon, authenticated;

create function public.payout_event(p_payout uuid, p_status text, p_note text, p_actor uuid, p_at timestamptz)
returns void
language sql security definer
set search_path = ''
as $$
  insert into public.payout_events (payout_id, status, note, actor_user_id, created_at)
  values (p_payout, p_status, p_note, p_actor, coalesce(p_at, now()))
$$;
revoke execute on function public.payout_event(uuid, text, text, uuid, timestamptz) from public, anon, authenticated;

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
revoke execute on function public.schedule_payouts(timestamptz) from public, anon, authenticated;
grant execute on function public.schedule_payouts(timestamptz) to service_role;

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
  if admin is null or not public.is_user_admin(admin) then
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
revoke execute on function public.approve_payout(uuid, uuid, timestamptz) from public, anon;
grant execute on function public.approve_payout(uuid, uuid, timestamptz) to authenticated, service_role;

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
revoke execute on function public.claim_due_payouts(timestamptz, int) from public, anon, authenticated;
grant execute on function public.claim_due_payouts(timestamptz, int) to service_role;

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
revoke execute on function public.mark_payout_processing(uuid, text, timestamptz) from public, anon, authenticated;
grant execute on function public.mark_payout_processing(uuid, text, timestamptz) to service_role;

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
revoke execute on function public.mark_payout_paid(uuid, text, timestamptz) from public, anon, authenticated;
grant execute on function public.mark_payout_paid(uuid, text, timestamptz) to service_role;

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
revoke execute on function public.mark_payout_failed(uuid, text, timestamptz, boolean) from public, anon, authenticated;
grant execute on function public.mark_payout_failed(uuid, text, timestamptz, boolean) to service_role;

-- Admins: public.is_admin() / public.is_user_admin() are in personas/functions.sql.
create function public.fraud_settings() returns jsonb
language sql stable security definer
set search_path = ''
as $$ select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from public.economy_settings where key like 'fraud\_%' $$;
revoke execute on function public.fraud_settings() from public, anon, authenticated;
grant execute on function public.fraud_settings() to service_role;

/*
 * Facts about one purchase about to be credited. Counts include the purchase itself. Velocity counts completed
 * payments (not abandoned checkouts). IP counts use the /24 (IPv6 /64) network; p_ip null skips them.
 */
create function public.fraud_purchase_facts(
  p_user uuid, p_purchase uuid, p_device text, p_ip inet, p_card text, p_coins bigint, p_as_of timestamptz default now()
) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  since timestamptz := p_as_of - make_interval(mins => public.economy_setting('fraud_velocity_window_minutes')::int);
  done text[] := array['succeeded', 'held', 'refunded', 'disputed', 'blocked'];
  net int := case when p_ip is null then null when family(p_ip) = 4 then 24 else 64 end;
  out jsonb;
begin
  select jsonb_build_object(
    'user_purchases_in_window', 1 + (select count(*) from public.coin_purchases p
      where p.user_id = p_user and p.status = any (done) and p.created_at > since and p.id is distinct from p_purchase),
    'device_purchases_in_window', case when p_device is null then null else 1 + (select count(*) from public.coin_purchases p
      where p.device_install_id = p_device and p.status = any (done) and p.created_at > since and p.id is distinct from p_purchase) end,
    'ip_purchases_in_window', case when p_ip is null then null else 1 + (select count(*) from public.coin_purchases p
      where p.ip is not null and family(p.ip) = family(p_ip) and p.status = any (done) and p.created_at > since
        and p.id is distinct from p_purchase
        and network(set_masklen(p.ip, net)) = network(set_masklen(p_ip, net))) end,
    'accounts_on_device', case when p_device is null then null else (select count(distinct u) from (
        select p.user_id as u from public.coin_purchases p where p.device_install_id = p_device
        union select d.user_id from public.devices d where d.install_id = p_device
        union select p_user) s) end,
    'accounts_on_card', case when p_card is null then null else (select count(distinct u) from (
        select p.user_id as u from public.coin_purchases p where p.card_fingerprint = p_card
        union select p_user) s) end,
    'settled_purchases', (select count(*) from public.coin_purchases p
      where p.user_id = p_user and p.status in ('succeeded', 'refunded', 'disputed') and p.id is distinct from p_purchase),
    'refunded_purchases', (select count(*) from public.coin_purchases p where p.user_id = p_user and p.status = 'refunded'),
    'chargebacks', (select count(*) from public.coin_purchases p where p.user_id = p_user and p.status = 'disputed'),
    'account_age_hours', (select floor(extract(epoch from (p_as_of - a.created_at)) / 3600)::bigint
                          from public.accounts a where a.user_id = p_user),
    'coins', p_coins
  ) into out;
  return out;
end
$$;
revoke execute on function public.fraud_purchase_facts(uuid, uuid, text, inet, text, bigint, timestamptz) from public, anon, authenticated;
grant execute on function public.fraud_purchase_facts(uuid, uuid, text, inet, text, bigint, timestamptz) to service_role;

-- One decision, stored with its reasons. allow closes at once; review waits for an admin; block is final.
create function public.fraud_record_case(
  p_subject_type text, p_subject_id text, p_user uuid, p_profile uuid, p_score int, p_outcome text, p_reasons jsonb,
  p_details jsonb default '{}'::jsonb
) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  case_id uuid;
begin
  insert into public.fraud_cases (user_id, profile_id, subject_type, subject_id, score, outcome, reasons, status, details)
    values (p_user, p_profile, p_subject_type, p_subject_id, greatest(0, least(100, p_score)), p_outcome,
            coalesce(p_reasons, '[]'::jsonb),
            case p_outcome when 'allow' then 'closed' when 'review' then 'open' else 'blocked' end,
            coalesce(p_details, '{}'::jsonb))
    returning fraud_cases.id into case_id;
  if p_subject_type = 'purchase' then
    update public.coin_purchases set fraud_score = greatest(0, least(100, p_score)) where id::text = p_subject_id;
  end if;
  return case_id;
end
$$;
revoke execute on function public.fraud_record_case(text, text, uuid, uuid, int, text, jsonb, jsonb) from public, anon, authenticated;
grant execute on function public.fraud_record_case(text, text, uuid, uuid, int, text, jsonb, jsonb) to service_role;

/*
 * The purchase a payment is about, created pending if the payment arrived first (store purchases), with the
 * signals the rules need. Same lookup as credit_coin_purchase, so crediting later finds the same row.
 */
create function public.fraud_purchase_subject(
  p_provider text, p_external_id text, p_user uuid, p_package uuid, p_amount_minor bigint, p_currency text,
  p_checkout_id text default null, p_card text default null, p_purchase uuid default null
) returns table (id uuid, status text, device_install_id text, ip inet, card_fingerprint text, coins bigint)
language plpgsql security definer
set search_path = ''
as $$
declare
  pur record;
  pkg record;
  existed boolean;
begin
  select * into pur from public.coin_purchases p
   where (p.provider = p_provider and p.external_id = p_external_id) or (p_checkout_id is not null and p.checkout_id = p_checkout_id)
      or (p_purchase is not null and p.id = p_purchase and p.provider = p_provider)
   order by (p.external_id = p_external_id) desc nulls last limit 1 for update;
  existed := found;
  if existed and pur.external_id is null and pur.status = 'pending' then
    -- Tie the payment to the checkout now, so crediting (which looks up by payment id) finds this row.
    update public.coin_purchases p set external_id = p_external_id where p.id = pur.id returning * into pur;
  end if;
  if not existed then
    select * into pkg from public.coin_packages k where k.id = p_package;
    if not found then raise exception 'unknown coin package' using errcode = 'IP404'; end if;
    insert into public.coin_purchases (user_id, package_id, provider, external_id, status, amount_minor, currency, coins, checkout_id, card_fingerprint)
      values (p_user, p_package, p_provider, p_external_id, 'pending', p_amount_minor, p_currency, pkg.coins, p_checkout_id, p_card)
      returning * into pur;
  elsif p_card is not null and pur.card_fingerprint is null then
    update public.coin_purchases p set card_fingerprint = p_card where p.id = pur.id returning * into pur;
  end if;
  return query select pur.id, pur.status, pur.device_install_id, pur.ip, pur.card_fingerprint, pur.coins;
end
$$;
revoke execute on function public.fraud_purchase_subject(text, text, uuid, uuid, bigint, text, text, text, uuid) from public, anon, authenticated;
grant execute on function public.fraud_purchase_subject(text, text, uuid, uuid, bigint, text, text, text, uuid) to service_role;

/*
 * Holds (review) or blocks a purchase instead of crediting it. Reversals that arrived before the payment apply
 * now: a refund of a held purchase fails it, so a later release cannot credit coins that were paid back.
 */
create function public.fraud_hold_purchase(
  p_purchase uuid, p_provider text, p_external_id text, p_amount_minor bigint, p_currency text, p_status text,
  p_score int, p_event_id text default null
) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  ev record;
begin
  if p_status not in ('held', 'blocked') then raise exception 'status must be held or blocked' using errcode = '22023'; end if;
  update public.coin_purchases set status = p_status, external_id = p_external_id, amount_minor = p_amount_minor,
    currency = p_currency, fraud_score = p_score, updated_at = now(), updated_reason = 'fraud review'
   where id = p_purchase and status = 'pending';
  if not found then return; end if;
  perform public.purchase_event(p_purchase, p_status, p_event_id,
    case p_status when 'held' then 'held for fraud review' else 'blocked by fraud review' end);
  for ev in
    select e.id, e.payload ->> 'type' as type, e.event_id from public.payment_events e
     where e.provider = p_provider and e.outcome = 'deferred' and e.payload ->> 'externalId' = p_external_id order by e.id
  loop
    if ev.type in ('refunded', 'chargeback_opened') then
      perform public.reverse_coin_purchase(p_provider, p_external_id,
        case ev.type when 'refunded' then 'refund' else 'chargeback' end, ev.event_id);
    end if;
    update public.payment_events set processed_at = now(), outcome = 'applied to held purchase (deferred)' where id = ev.id;
  end loop;
end
$$;
revoke execute on function public.fraud_hold_purchase(uuid, text, text, bigint, text, text, int, text) from public, anon, authenticated;
grant execute on function public.fraud_hold_purchase(uuid, text, text, bigint, text, text, int, text) to service_role;

create function public.fraud_require_admin() returns uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if auth.uid() is null or not public.is_user_admin(auth.uid()) then
    raise exception 'admins only' using errcode = '42501';
  end if;
  return auth.uid();
end
$$;
revoke execute on function public.fraud_require_admin() from public, anon;
grant execute on function public.fraud_require_admin() to authenticated;

-- The review queue for admins (status null: every case), newest first, with the purchase it is about.
create function public.fraud_case_list(p_status text, p_limit int default 50, p_before timestamptz default null, p_id uuid default null)
returns table (
  id uuid, subject_type text, subject_id text, score int, outcome text, reasons jsonb, details jsonb, status text,
  user_id uuid, profile_id uuid, reviewed_by uuid, reviewed_at timestamptz, created_at timestamptz, purchase jsonb
)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform public.fraud_require_admin();
  return query
    select c.id, c.subject_type, c.subject_id, c.score, c.outcome, c.reasons, c.details, c.status, c.user_id, c.profile_id,
           c.reviewed_by, c.reviewed_at, c.created_at,
           case when c.subject_type = 'purchase' then (
             select jsonb_build_object('id', p.id, 'status', p.status, 'provider', p.provider, 'coins', p.coins,
                                       'amount_minor', p.amount_minor, 'currency', p.currency)
               from public.coin_purchases p where p.id::text = c.subject_id) end
      from public.fraud_cases c
     where (p_status is null or c.status = p_status) and (p_before is null or c.created_at < p_before)
       and (p_id is null or c.id = p_id)
     order by c.created_at desc, c.id
     limit greatest(1, least(coalesce(p_limit, 50), 200));
end
$$;
revoke execute on function public.fraud_case_list(text, int, timestamptz, uuid) from public, anon;
grant execute on function public.fraud_case_list(text, int, timestamptz, uuid) to authenticated;

/*
 * An admin releases a case. A held purchase is credited now, exactly once: the case row is locked, only an open
 * case releases, and credit_coin_purchase itself replays on a second call. Returns what happened.
 */
create function public.fraud_release(p_case uuid, p_note text default null, p_request_id text default null)
returns table (result text, credited boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  admin uuid := public.fraud_require_admin();
  c record;
  pur record;
  did_credit boolean := false;
begin
  select * into c from public.fraud_cases f where f.id = p_case for update;
  if not found then raise exception 'fraud case not found' using errcode = 'IP404'; end if;
  if c.status = 'released' then return query select 'already_released'::text, false; return; end if;
  if c.status <> 'open' then return query select ('already_' || c.status)::text, false; return; end if;
  if c.subject_type = 'purchase' then
    select * into pur from public.coin_purchases p where p.id::text = c.subject_id for update;
    if found and pur.status = 'held' then
      perform public.credit_coin_purchase(pur.provider, pur.external_id, pur.user_id, pur.package_id, pur.amount_minor,
        pur.currency, 'fraud-release:' || c.id::text, pur.checkout_id);
      did_credit := true;
    end if;
  end if;
  update public.fraud_cases set status = 'released', reviewed_by = admin, reviewed_at = now() where id = c.id;
  insert into public.audit_log (actor_user_id, action, target_type, target_id, meta, request_id)
    values (admin, 'fraud.release', 'fraud_case', c.id::text,
            jsonb_build_object('subject_type', c.subject_type, 'subject_id', c.subject_id, 'credited', did_credit, 'note', p_note),
            p_request_id);
  return query select 'released'::text, did_credit;
end
$$;
revoke execute on function public.fraud_release(uuid, text, text) from public, anon;
grant execute on function public.fraud_release(uuid, text, text) to authenticated;

/*
 * An admin blocks a case: a held purchase is blocked for good (credit_coin_purchase refuses it from now on);
 * with p_ban, every persona of the account is suspended and its sessions end.
 */
create function public.fraud_block(p_case uuid, p_ban boolean default false, p_note text default null, p_request_id text default null)
returns table (result text, banned boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  admin uuid := public.fraud_require_admin();
  c record;
  target uuid;
begin
  select * into c from public.fraud_cases f where f.id = p_case for update;
  if not found then raise exception 'fraud case not found' using errcode = 'IP404'; end if;
  if c.status = 'blocked' and not coalesce(p_ban, false) then return query select 'already_blocked'::text, false; return; end if;
  if c.status not in ('open', 'blocked') then return query select ('already_' || c.status)::text, false; return; end if;
  if c.subject_type = 'purchase' then
    update public.coin_purchases p set status = 'blocked', updated_at = now(), updated_reason = 'blocked by fraud review'
     where p.id::text = c.subject_id and p.status in ('pending', 'held');
    if found then perform public.purchase_event(c.subject_id::uuid, 'blocked', null, 'blocked by fraud review'); end if;
  end if;
  if coalesce(p_ban, false) then
    target := coalesce(c.user_id, (select l.user_id from public.persona_links l where l.profile_id = c.profile_id));
    if target is not null then
      update public.profiles p set status = 'suspended', updated_at = date_trunc('day', now())
       where p.id in (select l.profile_id from public.persona_links l where l.user_id = target) and p.status = 'active';
      begin
        delete from auth.sessions s where s.user_id = target;
      exception when insufficient_privilege or undefined_table or undefined_column then
        null; -- a platform-managed auth schema: suspension still hides the personas
      end;
    end if;
  end if;
  update public.fraud_cases set status = 'blocked', reviewed_by = admin, reviewed_at = now() where id = c.id;
  insert into public.audit_log (actor_user_id, action, target_type, target_id, meta, request_id)
    values (admin, case when coalesce(p_ban, false) then 'fraud.block_and_ban' else 'fraud.block' end, 'fraud_case', c.id::text,
            jsonb_build_object('subject_type', c.subject_type, 'subject_id', c.subject_id, 'ban', coalesce(p_ban, false),
                               'note', p_note),
            p_request_id);
  return query select 'blocked'::text, coalesce(p_ban, false) and target is not null;
end
$$;
revoke execute on function public.fraud_block(uuid, boolean, text, text) from public, anon;
grant execute on function public.fraud_block(uuid, boolean, text, text) to authenticated;

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

-- Money matches what was paid (issue 8, part 2), the functions: a provider's reported amount is compared with
-- what the purchase expects before anything is credited; crediting, refunds (whole or partial), chargebacks and
-- won disputes follow the state machine of 200000; refunds and chargebacks claw back creator earnings that are
-- still in their hold period; provider fees are booked; pending checkouts expire; admins work the
-- reconciliation queue. Decision 013 explains the choices.
create function public.purchase_set_status(p_purchase uuid, p_status text, p_event text, p_note text) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.coin_purchases set status = p_status, updated_at = now(), updated_reason = coalesce(p_note, updated_reason)
   where id = p_purchase;
  perform public.purchase_event(p_purchase, p_status, p_event, p_note);
end
$$;
revoke execute on function public.purchase_set_status(uuid, text, text, text) from public, anon, authenticated;
grant execute on function public.purchase_set_status(uuid, text, text, text) to service_role;

-- One item per (kind, provider, payment); a second report of the same thing is the same item.
create function public.reconciliation_open(
  p_kind text, p_provider text, p_external_id text, p_checkout_id text, p_purchase uuid, p_user uuid,
  p_reported_amount bigint, p_reported_currency text, p_event_id text, p_detail text
) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  item uuid;
  pur record;
begin
  select p.expected_amount_minor, p.expected_currency into pur from public.coin_purchases p where p.id = p_purchase;
  insert into public.reconciliation_items (kind, provider, dedupe_key, external_id, checkout_id, purchase_id, user_id,
      reported_amount_minor, reported_currency, expected_amount_minor, expected_currency, event_id, detail)
    values (p_kind, p_provider, p_kind || ':' || p_provider || ':' || coalesce(p_external_id, p_checkout_id, p_event_id, gen_random_uuid()::text),
      p_external_id, p_checkout_id, p_purchase, p_user, p_reported_amount, p_reported_currency,
      pur.expected_amount_minor, pur.expected_currency, p_event_id, left(p_detail, 500))
    on conflict (dedupe_key) do nothing
    returning id into item;
  return item;
end
$$;
revoke execute on function public.reconciliation_open(text, text, text, text, uuid, uuid, bigint, text, text, text) from public, anon, authenticated;
grant execute on function public.reconciliation_open(text, text, text, text, uuid, uuid, bigint, text, text, text) to service_role;

/*
 * What is wrong with a reported payment, or null when it matches. A checkout expects exactly the amount and
 * currency it asked the provider to charge. A store purchase (no checkout) is compared with the package's
 * price in the reported currency when the package has one; when the store reports no amount, or a currency
 * the package has no price in, the product id ↔ package mapping that chose the package is the check.
 */
create function public.purchase_amount_problem(p_purchase uuid, p_amount bigint, p_currency text) returns text
language plpgsql stable security definer
set search_path = ''
as $$
declare
  pur record;
  price bigint;
begin
  select p.expected_amount_minor, p.expected_currency, k.prices into pur
    from public.coin_purchases p join public.coin_packages k on k.id = p.package_id where p.id = p_purchase;
  if pur.expected_amount_minor is not null then
    if p_amount is null or p_currency is null then
      return format('the provider reported no amount; expected %s %s', pur.expected_amount_minor, pur.expected_currency);
    end if;
    if p_currency is distinct from pur.expected_currency or p_amount <> pur.expected_amount_minor then
      return format('paid %s %s, expected %s %s', p_amount, p_currency, pur.expected_amount_minor, pur.expected_currency);
    end if;
    return null;
  end if;
  if p_amount is null or p_currency is null then return null; end if;
  price := (pur.prices ->> p_currency)::bigint;
  if price is not null and price <> p_amount then
    return format('paid %s %s, the package costs %s %s', p_amount, p_currency, price, p_currency);
  end if;
  return null;
end
$$;
revoke execute on function public.purchase_amount_problem(uuid, bigint, text) from public, anon, authenticated;

/*
 * Before crediting: records what the provider reported and decides whether this purchase may be credited.
 * ok | fraud_hold | blocked (fraud review decides) | already_credited | held_amount_mismatch (held for review,
 * with a reconciliation item) | not_creditable (refunded, failed, expired, rejected: never credited; the money
 * that arrived anyway becomes a reconciliation item).
 */
create function public.purchase_check_reported(
  p_purchase uuid, p_external_id text, p_amount bigint, p_currency text, p_event_id text
) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  pur record;
  problem text;
begin
  select * into pur from public.coin_purchases p where p.id = p_purchase for update;
  if not found then raise exception 'purchase not found' using errcode = 'IP404'; end if;
  update public.coin_purchases p set
      external_id = coalesce(p.external_id, p_external_id),
      reported_amount_minor = case when p_amount is null and p_currency is null then p.reported_amount_minor else p_amount end,
      reported_currency = case when p_amount is null and p_currency is null then p.reported_currency else p_currency end
    where p.id = pur.id and p.credit_transaction_id is null;
  if pur.credit_transaction_id is not null then return 'already_credited'; end if;
  if pur.status = 'held' then
    return case when pur.hold_reason = 'amount_mismatch' then 'held_amount_mismatch' else 'fraud_hold' end;
  end if;
  if pur.status = 'blocked' then return 'blocked'; end if;
  if pur.status <> 'pending' then
    perform public.reconciliation_open('paid_not_creditable', pur.provider, coalesce(p_external_id, pur.external_id),
      pur.checkout_id, pur.id, pur.user_id, p_amount, p_currency, p_event_id,
      format('a payment arrived for a %s purchase; it is never credited (refund it at the provider)', pur.status));
    perform public.purchase_event(pur.id, pur.status, p_event_id, 'payment reported for a ' || pur.status || ' purchase; not credited');
    return 'not_creditable';
  end if;
  problem := public.purchase_amount_problem(pur.id, p_amount, p_currency);
  if problem is not null then
    update public.coin_purchases set status = 'held', hold_reason = 'amount_mismatch', updated_at = now(),
      updated_reason = problem where id = pur.id;
    perform public.purchase_event(pur.id, 'held', p_event_id, 'held for review: ' || problem);
    perform public.reconciliation_open('amount_mismatch', pur.provider, coalesce(p_external_id, pur.external_id),
      pur.checkout_id, pur.id, pur.user_id, p_amount, p_currency, p_event_id, problem);
    return 'held_amount_mismatch';
  end if;
  return 'ok';
end
$$;
revoke execute on function public.purchase_check_reported(uuid, text, bigint, text, text) from public, anon, authenticated;
grant execute on function public.purchase_check_reported(uuid, text, bigint, text, text) to service_role;

/*
 * Issues the coins of a pending or held purchase, exactly once: the fiat legs book what the provider reported
 * (what actually arrived), and amount_minor/currency become that amount so refunds reverse it.
 */
create function public.purchase_post_credit(p_purchase uuid, p_event_id text, p_note text)
returns table (transaction_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  pur record;
  fiat bigint;
  cur text;
  res record;
begin
  select * into pur from public.coin_purchases p where p.id = p_purchase for update;
  if pur.credit_transaction_id is not null then
    return query select pur.credit_transaction_id, true;
    return;
  end if;
  if pur.status not in ('pending', 'held') then
    raise exception 'a % purchase cannot be credited', pur.status using errcode = '23514';
  end if;
  fiat := coalesce(pur.reported_amount_minor, pur.amount_minor);
  cur := coalesce(pur.reported_currency, pur.currency);
  select * into res from public.ledger_post('coin_purchase',
    'purchase:' || pur.provider || ':' || coalesce(pur.external_id, 'id:' || pur.id::text),
    md5(pur.user_id::text || pur.coins::text || fiat::text || cur), null,
    jsonb_build_object('purchase_id', pur.id, 'provider', pur.provider, 'external_id', pur.external_id),
    jsonb_build_array(
      jsonb_build_object('account', public.ledger_account('user_wallet', pur.user_id, null, 'COIN'), 'amount', pur.coins),
      jsonb_build_object('account', public.ledger_account('coin_issuance', null, null, 'COIN'), 'amount', -pur.coins),
      jsonb_build_object('account', public.ledger_account('provider_clearing', null, null, cur), 'amount', fiat),
      jsonb_build_object('account', public.ledger_account('coin_sales', null, null, cur), 'amount', -fiat)
    ));
  update public.coin_purchases set status = 'succeeded', amount_minor = fiat, currency = cur, hold_reason = null,
    credit_transaction_id = res.transaction_id, updated_at = now(), updated_reason = coalesce(p_note, 'credited')
   where id = pur.id;
  perform public.purchase_event(pur.id, 'succeeded', p_event_id, p_note);
  return query select res.transaction_id, res.replayed;
end
$$;
revoke execute on function public.purchase_post_credit(uuid, text, text) from public, anon, authenticated;

create function public.credit_coin_purchase(
  p_provider text, p_external_id text, p_user uuid, p_package uuid, p_amount_minor bigint, p_currency text,
  p_event_id text default null, p_checkout_id text default null
) returns table (purchase_id uuid, coins bigint, replayed boolean, outcome text)
language plpgsql security definer
set search_path = ''
as $$
declare
  pkg record;
  pur record;
  res record;
  verdict text;
begin
  select * into pkg from public.coin_packages where id = p_package;
  if not found then raise exception 'unknown coin package' using errcode = 'IP404'; end if;
  select * into pur from public.coin_purchases p
   where (p.provider = p_provider and p.external_id = p_external_id) or (p_checkout_id is not null and p.checkout_id = p_checkout_id)
   order by (p.external_id = p_external_id) desc nulls last limit 1 for update;
  if not found then
    insert into public.coin_purchases (user_id, package_id, provider, external_id, status, amount_minor, currency, coins, checkout_id)
      values (p_user, p_package, p_provider, p_external_id, 'pending', coalesce(p_amount_minor, 0), coalesce(p_currency, 'USD'),
              pkg.coins, p_checkout_id)
      returning * into pur;
  end if;
  if pur.user_id is distinct from p_user then raise exception 'purchase belongs to another user' using errcode = '22023'; end if;
  if pur.status = 'blocked' then
    raise exception 'this purchase was blocked by fraud review' using errcode = 'IP403';
  end if;
  verdict := public.purchase_check_reported(pur.id, p_external_id, p_amount_minor, p_currency, p_event_id);
  if verdict = 'already_credited' then
    return query select pur.id, pur.coins, true, verdict;
    return;
  end if;
  if verdict not in ('ok', 'fraud_hold') then
    return query select pur.id, pur.coins, false, verdict;
    return;
  end if;
  select * into res from public.purchase_post_credit(pur.id, p_event_id, null);
  return query select pur.id, pur.coins, res.replayed, 'credited'::text;
end
$$;
revoke execute on function public.credit_coin_purchase(text, text, uuid, uuid, bigint, text, text, text) from public, anon, authenticated;
grant execute on function public.credit_coin_purchase(text, text, uuid, uuid, bigint, text, text, text) to service_role;

/*
 * After a reversal put the wallet into debt, the spent coins of this purchase are taken back from the creators
 * they went to, while those earnings are still pending: newest spends since the purchase was credited first,
 * at most the debt and at most the reversed coins. The creator gives back their share of the clawed coins
 * (rounded down), the platform the rest (its fee); the coins go back to the wallet. Released earnings are not touched
 * (decision 013: after the hold window the platform absorbs, and the wallet keeps the debt).
 */
create function public.purchase_clawback(p_purchase uuid, p_kind text, p_coins bigint, p_reversal_tx uuid) returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  pur record;
  wallet uuid;
  bal bigint;
  remaining bigint;
  recovered bigint := 0;
  credited_at timestamptz;
  s record;
  a bigint;
  sc bigint;
  res record;
begin
  select * into pur from public.coin_purchases p where p.id = p_purchase;
  wallet := public.ledger_account('user_wallet', pur.user_id, null, 'COIN');
  select la.balance into bal from public.ledger_accounts la where la.id = wallet;
  if bal >= 0 or p_coins <= 0 then return 0; end if;
  remaining := least(-bal, p_coins);
  select t.created_at into credited_at from public.ledger_transactions t where t.id = pur.credit_transaction_id;
  for s in
    select t.id as tx, t.actor_profile_id as actor, -e.amount as spent, ce.id as earning_id, ce.creator_id, ce.amount as share,
           ce.clawed_back,
           coalesce((select sum(c.coins) from public.purchase_clawbacks c where c.spend_transaction_id = t.id), 0)::bigint as taken,
           coalesce((select sum(c.creator_coins) from public.purchase_clawbacks c where c.spend_transaction_id = t.id), 0)::bigint
             as taken_creator
      from public.ledger_entries e
      join public.ledger_transactions t on t.id = e.transaction_id
      join public.creator_earnings ce on ce.transaction_id = t.id
     where e.account_id = wallet and e.amount < 0 and t.created_at >= credited_at
       and ce.released_transaction_id is null and ce.creator_id is not null
     order by t.created_at desc, t.id desc
     for update of ce
  loop
    exit when remaining <= 0;
    a := least(remaining, s.spent - s.taken);
    continue when a <= 0;
    -- Rounded down on the running total per spend, so several clawbacks of one spend split it exactly as one.
    sc := least(((s.taken + a) * s.share) / s.spent - s.taken_creator, s.share - s.clawed_back);
    select * into res from public.ledger_post('earnings_clawback', 'clawback:' || p_reversal_tx::text || ':' || s.tx::text, null,
      s.actor, jsonb_build_object('purchase_id', pur.id, 'spend_transaction_id', s.tx, 'creator_id', s.creator_id, 'kind', p_kind),
      jsonb_build_array(
        jsonb_build_object('account', public.ledger_account('creator_pending', null, s.creator_id, 'COIN'), 'amount', -sc),
        jsonb_build_object('account', public.ledger_account('platform_revenue', null, null, 'COIN'), 'amount', -(a - sc)),
        jsonb_build_object('account', wallet, 'amount', a)
      ), true);
    if res.replayed then continue; end if;
    update public.creator_earnings set clawed_back = clawed_back + sc where id = s.earning_id;
    insert into public.purchase_clawbacks (purchase_id, reversal_kind, spend_transaction_id, earning_id, coins, creator_coins,
                                           platform_coins, transaction_id)
      values (pur.id, p_kind, s.tx, s.earning_id, a, sc, a - sc, res.transaction_id);
    remaining := remaining - a;
    recovered := recovered + a;
  end loop;
  return recovered;
end
$$;
revoke execute on function public.purchase_clawback(uuid, text, bigint, uuid) from public, anon, authenticated;

create function public.reverse_coin_purchase(
  p_provider text, p_external_id text, p_kind text, p_event_id text default null,
  p_amount_minor bigint default null, p_cumulative boolean default false
) returns table (purchase_id uuid, wallet_balance bigint, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  pur record;
  res record;
  wallet uuid;
  balance bigint;
  total bigint;
  target bigint;
  d_coins bigint;
  d_minor bigint;
  full_refund boolean;
  key text;
  new_status text;
  debt bigint;
begin
  if p_kind not in ('refund', 'chargeback') then raise exception 'kind must be refund or chargeback' using errcode = '22023'; end if;
  select * into pur from public.coin_purchases where provider = p_provider and external_id = p_external_id for update;
  if not found then raise exception 'purchase not found' using errcode = 'IP404'; end if;
  if pur.credit_transaction_id is null then
    new_status := case when p_kind = 'refund' then 'refunded' else 'disputed' end;
    if exists (select 1 from public.coin_purchase_transitions t where t.from_status = pur.status and t.to_status = new_status) then
      perform public.purchase_set_status(pur.id, new_status, p_event_id, p_kind || ' before credit');
      return query select pur.id, 0::bigint, false;
      return;
    end if;
    perform public.purchase_event(pur.id, pur.status, p_event_id, p_kind || ' of an uncredited ' || pur.status || ' purchase');
    return query select pur.id, 0::bigint, true;
    return;
  end if;
  wallet := public.ledger_account('user_wallet', pur.user_id, null, 'COIN');
  if pur.status in ('refunded', 'disputed') then
    return query select pur.id, public.ledger_account_balance(wallet), true;
    return;
  end if;
  if p_kind = 'chargeback' then
    d_coins := pur.coins - pur.refunded_coins;
    d_minor := pur.amount_minor - pur.refunded_minor;
    key := 'chargeback:' || p_provider || ':' || p_external_id || ':' ||
      (select count(*) from public.ledger_transactions t where t.kind = 'purchase_chargeback' and t.meta ->> 'purchase_id' = pur.id::text);
    new_status := 'disputed';
  else
    total := case when p_amount_minor is null then pur.amount_minor
                  when p_cumulative then p_amount_minor else pur.refunded_minor + p_amount_minor end;
    total := least(greatest(total, 0), pur.amount_minor);
    full_refund := p_amount_minor is null or total >= pur.amount_minor;
    target := case when full_refund then pur.coins
                   else (pur.coins * total + pur.amount_minor - 1) / pur.amount_minor end;
    d_coins := target - pur.refunded_coins;
    d_minor := total - pur.refunded_minor;
    if d_coins <= 0 and d_minor <= 0 then
      return query select pur.id, public.ledger_account_balance(wallet), true;
      return;
    end if;
    key := 'reversal:' || p_provider || ':' || p_external_id || ':' || total::text || ':' || target::text;
    new_status := case when full_refund then 'refunded' else 'partially_refunded' end;
  end if;
  select * into res from public.ledger_post('purchase_' || p_kind, key,
    md5(p_kind || ':' || d_coins::text || ':' || d_minor::text), null,
    jsonb_build_object('purchase_id', pur.id, 'provider', p_provider, 'external_id', p_external_id, 'coins', d_coins,
                       'amount_minor', d_minor),
    jsonb_build_array(
      jsonb_build_object('account', wallet, 'amount', -d_coins),
      jsonb_build_object('account', public.ledger_account('coin_issuance', null, null, 'COIN'), 'amount', d_coins),
      jsonb_build_object('account', public.ledger_account('provider_clearing', null, null, pur.currency), 'amount', -d_minor),
      jsonb_build_object('account', public.ledger_account('refunds_chargebacks', null, null, pur.currency), 'amount', d_minor)
    ), true);
  if res.replayed then
    return query select pur.id, public.ledger_account_balance(wallet), true;
    return;
  end if;
  if p_kind = 'chargeback' then
    update public.coin_purchases set disputed_coins = d_coins, disputed_minor = d_minor where id = pur.id;
  else
    update public.coin_purchases set refunded_coins = target, refunded_minor = total where id = pur.id;
  end if;
  perform public.purchase_set_status(pur.id, new_status, p_event_id,
    format('%s of %s %s (%s coins)', p_kind, d_minor, pur.currency, d_coins));
  balance := public.ledger_account_balance(wallet);
  debt := least(greatest(-balance, 0), d_coins);
  if debt > 0 then
    -- Spending first and getting the money back is the pattern review looks for, whatever the clawback recovers.
    insert into public.fraud_cases (user_id, subject_type, subject_id, score, outcome, reasons)
      values (pur.user_id, 'account', pur.id::text, 70, 'review',
              jsonb_build_array(jsonb_build_object('rule', 'debt_after_' || p_kind, 'detail',
                'coins were spent before the ' || p_kind || '; wallet balance ' || balance)));
    perform public.purchase_clawback(pur.id, p_kind, d_coins, res.transaction_id);
    balance := public.ledger_account_balance(wallet);
  end if;
  return query select pur.id, balance, false;
end
$$;
revoke execute on function public.reverse_coin_purchase(text, text, text, text, bigint, boolean) from public, anon, authenticated;
grant execute on function public.reverse_coin_purchase(text, text, text, text, bigint, boolean) to service_role;

-- The provider's fee for a payment, booked once: it keeps it out of what it holds for us.
create function public.purchase_record_fee(p_purchase uuid, p_fee_minor bigint, p_currency text) returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  pur record;
begin
  if p_fee_minor is null or p_fee_minor <= 0 or p_currency is null or p_currency !~ '^[A-Z]{3}$' then return false; end if;
  select * into pur from public.coin_purchases p where p.id = p_purchase for update;
  if not found or pur.fee_minor is not null then return false; end if;
  perform public.ledger_post('provider_fee', 'fee:' || pur.id::text, md5(p_fee_minor::text || p_currency), null,
    jsonb_build_object('purchase_id', pur.id, 'provider', pur.provider, 'fee_minor', p_fee_minor),
    jsonb_build_array(
      jsonb_build_object('account', public.ledger_account('provider_clearing', null, null, p_currency), 'amount', -p_fee_minor),
      jsonb_build_object('account', public.ledger_account('provider_fees', null, null, p_currency), 'amount', p_fee_minor)
    ));
  update public.coin_purchases set fee_minor = p_fee_minor, fee_currency = p_currency where id = pur.id;
  return true;
end
$$;
revoke execute on function public.purchase_record_fee(uuid, bigint, text) from public, anon, authenticated;
grant execute on function public.purchase_record_fee(uuid, bigint, text) to service_role;

-- Checkouts nobody paid: pending past the expiry window become expired (and can never be credited).
create function public.expire_pending_purchases(p_as_of timestamptz default now(), p_batch int default 1000) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  pur record;
  n int := 0;
begin
  for pur in
    select p.id from public.coin_purchases p
     where p.status = 'pending'
       and p.created_at <= p_as_of - make_interval(mins => public.economy_setting('purchase_pending_expiry_minutes')::int)
     order by p.created_at limit p_batch for update skip locked
  loop
    perform public.purchase_set_status(pur.id, 'expired', null, 'checkout expired unpaid');
    n := n + 1;
  end loop;
  return n;
end
$$;
revoke execute on function public.expire_pending_purchases(timestamptz, int) from public, anon, authenticated;
grant execute on function public.expire_pending_purchases(timestamptz, int) to service_role;

/*
 * An admin resolves a reconciliation item. credit: a payment held for an amount mismatch is credited now,
 * exactly once (package coins; the books record what actually arrived). reject: a held purchase is rejected
 * for good (refund it at the provider). dismiss: nothing to do (e.g. a test payment).
 */
create function public.reconciliation_resolve(p_item uuid, p_action text, p_note text default null, p_request_id text default null)
returns table (result text, credited boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  admin uuid := public.fraud_require_admin();
  item record;
  pur record;
  did_credit boolean := false;
  held_mismatch boolean;
  v_resolution text;
begin
  if p_action not in ('credit', 'reject', 'dismiss') then
    raise exception 'action must be credit, reject or dismiss' using errcode = '22023';
  end if;
  select * into item from public.reconciliation_items r where r.id = p_item for update;
  if not found then raise exception 'reconciliation item not found' using errcode = 'IP404'; end if;
  if item.status = 'resolved' then return query select ('already_' || item.resolution)::text, false; return; end if;
  -- held_mismatch: the item is about a purchase still held for its amount (the only kind credit or reject act on).
  select p.id, p.status, p.hold_reason into pur from public.coin_purchases p where p.id = item.purchase_id for update;
  held_mismatch := found and pur.status = 'held' and pur.hold_reason is not distinct from 'amount_mismatch';
  if p_action = 'credit' then
    if item.kind <> 'amount_mismatch' or not held_mismatch then
      raise exception 'only a payment held for an amount mismatch can be credited' using errcode = '22023';
    end if;
    perform public.purchase_post_credit(pur.id, 'reconciliation:' || item.id::text,
      'credited after review of an amount mismatch' || coalesce(': ' || p_note, ''));
    did_credit := true;
    v_resolution := 'credited';
  elsif p_action = 'reject' then
    if held_mismatch then
      perform public.purchase_set_status(pur.id, 'rejected', 'reconciliation:' || item.id::text,
        'rejected after review of an amount mismatch' || coalesce(': ' || p_note, ''));
    end if;
    v_resolution := 'rejected';
  else
    v_resolution := 'dismissed';
  end if;
  update public.reconciliation_items set status = 'resolved', resolution = v_resolution,
    resolved_by = admin, resolved_at = now(), note = p_note where id = item.id;
  insert into public.audit_log (actor_user_id, action, target_type, target_id, meta, request_id)
    values (admin, 'reconciliation.' || p_action, 'reconciliation_item', item.id::text,
            jsonb_build_object('kind', item.kind, 'purchase_id', item.purchase_id, 'credited', did_credit, 'note', p_note),
            p_request_id);
  return query select v_resolution, did_credit;
end
$$;
revoke execute on function public.reconciliation_resolve(uuid, text, text, text) from public, anon;
grant execute on function public.reconciliation_resolve(uuid, text, text, text) to authenticated;

-- The queue for admins (status null: every item), newest first, with the purchase's current state.
create function public.reconciliation_list(p_status text default null, p_limit int default 50, p_id uuid default null)
returns table (
  id uuid, kind text, provider text, external_id text, checkout_id text, purchase_id uuid, purchase_status text, user_id uuid,
  reported_amount_minor bigint, reported_currency text, expected_amount_minor bigint, expected_currency text, detail text,
  status text, resolution text, note text, resolved_at timestamptz, created_at timestamptz
)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform public.fraud_require_admin();
  return query
    select r.id, r.kind, r.provider, r.external_id, r.checkout_id, r.purchase_id, p.status, r.user_id,
           r.reported_amount_minor, r.reported_currency, r.expected_amount_minor, r.expected_currency, r.detail,
           r.status, r.resolution, r.note, r.resolved_at, r.created_at
      from public.reconciliation_items r left join public.coin_purchases p on p.id = r.purchase_id
     where (p_status is null or r.status = p_status) and (p_id is null or r.id = p_id)
     order by r.created_at desc, r.id
     limit greatest(1, least(coalesce(p_limit, 50), 200));
end
$$;
revoke execute on function public.reconciliation_list(text, int, uuid) from public, anon;
grant execute on function public.reconciliation_list(text, int, uuid) to authenticated;

create function public.fraud_spend_facts(
  p_user uuid, p_creator uuid, p_amount bigint, p_idempotency_key text default null, p_as_of timestamptz default now(),
  p_sender uuid default null
) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  sender uuid := coalesce(p_sender, public.current_persona_id());
  loop_since timestamptz := p_as_of - make_interval(days => public.economy_setting('fraud_tip_loop_window_days')::int);
  fund_since timestamptz := p_as_of - make_interval(days => public.economy_setting('fraud_self_funding_days')::int);
  young_cutoff timestamptz := p_as_of - make_interval(days => public.economy_setting('fraud_self_funding_young_days')::int);
  share bigint := p_amount - (p_amount * public.economy_setting('platform_fee_bps')) / 10000;
  sender_young boolean;
  back_tips bigint;
  via_personas bigint;
  via_tips bigint;
  f record;
begin
  if sender is null then raise exception 'the spending persona is required' using errcode = '22023'; end if;
  select coalesce(a.created_at > young_cutoff, true) into sender_young from public.accounts a where a.user_id = p_user;
  sender_young := coalesce(sender_young, true);

  -- Tips in the loop window as (sender persona, recipient persona) edges. Length 2: the recipient tipped the
  -- sender. Length 3: recipient -> X -> sender through a third persona X.
  with edges as (
    select t.sender_id as su, t.creator_id as cu from public.tips t where t.created_at > loop_since
  )
  select (select count(*) from edges e where e.su = p_creator and e.cu = sender),
         (select count(distinct a.cu) from edges a join edges b on b.su = a.cu
           where a.su = p_creator and b.cu = sender and a.cu not in (sender, p_creator)),
         (select count(*) from edges a join edges b on b.su = a.cu
           where a.su = p_creator and b.cu = sender and a.cu not in (sender, p_creator))
    into back_tips, via_personas, via_tips;

  select coalesce(sum(e.amount), 0)::bigint as total,
         coalesce(sum(e.amount) filter (where acct.created_at > young_cutoff), 0)::bigint as young_total,
         count(distinct t.actor_profile_id) filter (where acct.created_at > young_cutoff and t.actor_profile_id <> sender) as young_others
    into f
    from public.creator_earnings e
    join public.ledger_transactions t on t.id = e.transaction_id
    join public.persona_links lp on lp.profile_id = t.actor_profile_id
    join public.accounts acct on acct.user_id = lp.user_id
   where e.creator_id = p_creator and e.created_at > fund_since;

  return jsonb_build_object(
    'replay', p_idempotency_key is not null and exists (
      select 1 from public.ledger_transactions t where t.idempotency_key = p_user::text || ':' || p_idempotency_key),
    'amount', p_amount,
    'loop_back_tips', back_tips,
    'loop_via_accounts', via_personas,
    'loop_via_tips', via_tips,
    'creator_window_earnings', f.total + share,
    'creator_young_earnings', f.young_total + case when sender_young then share else 0 end,
    'creator_young_accounts', f.young_others + case when sender_young then 1 else 0 end,
    'sender_is_new', sender_young
  );
end
$$;
revoke execute on function public.fraud_spend_facts(uuid, uuid, bigint, text, timestamptz, uuid) from public, anon, authenticated;
grant execute on function public.fraud_spend_facts(uuid, uuid, bigint, text, timestamptz, uuid) to service_role;

-- ---------------------------------------------------------------------------------------------------------
-- Account deletion, economy step (account/functions.sql has the flow). Refused while money is moving:
--   IPD01 payout_in_flight    a payout is awaiting approval, scheduled, processing or retrying
--   IPD02 earnings_pending    earnings are still inside the hold period
--   IPD03 earnings_unpaid     available earnings reach the payout minimum (the weekly payout will pay them)
--   IPD04 purchase_in_flight  a coin purchase is held for review or was started in the last 24 hours
-- Forfeited (posted to platform_revenue, kind account_deleted_forfeit): wallet coins, and available earnings
-- below the payout minimum. A wallet in debt stays in debt on its closed account. The ledger accounts, earnings,
-- payouts and coin purchases are kept (the books must balance), detached from the person.
-- ---------------------------------------------------------------------------------------------------------
create function public.delete_account_economy() returns setof text
language plpgsql security definer
set search_path = ''
as $$
declare
  ctx public.account_deletions := public.account_deletion_context();
  uid uuid := ctx.user_id;
  personas uuid[] := ctx.personas;
  minimum bigint := public.economy_setting('payout_minimum_coins');
  acct record;
begin
  -- In id order, like ledger_post, so a concurrent spend waits instead of deadlocking.
  perform 1 from public.ledger_accounts a
   where (a.user_id = uid or a.profile_id = any (personas)) and a.closed_at is null order by a.id for update;

  if exists (select 1 from public.payouts x where x.creator_id = any (personas)
             and (x.status in ('awaiting_approval', 'scheduled', 'processing') or (x.status = 'failed' and x.next_attempt_at is not null)))
     or exists (select 1 from public.ledger_accounts a where a.profile_id = any (personas) and a.closed_at is null
                and a.kind = 'payouts_in_transit' and a.balance <> 0) then
    raise exception 'a payout to you is still in flight; you can delete your account once it has been paid'
      using errcode = 'IPD01';
  end if;
  if exists (select 1 from public.creator_earnings e where e.creator_id = any (personas) and e.released_transaction_id is null)
     or exists (select 1 from public.ledger_accounts a where a.profile_id = any (personas) and a.closed_at is null
                and a.kind = 'creator_pending' and a.balance <> 0) then
    raise exception 'you have earnings inside the hold period; you can delete your account once they are released and paid out'
      using errcode = 'IPD02';
  end if;
  if exists (select 1 from public.ledger_accounts a where a.profile_id = any (personas) and a.closed_at is null
             and a.kind = 'creator_available' and a.balance >= minimum) then
    raise exception 'you have earnings waiting for the weekly payout; you can delete your account once they are paid'
      using errcode = 'IPD03';
  end if;
  if exists (select 1 from public.coin_purchases c where c.user_id = uid
             and (c.status = 'held' or (c.status = 'pending' and c.created_at > now() - interval '24 hours'))) then
    raise exception 'a coin purchase of yours is still being processed; try again once it has completed'
      using errcode = 'IPD04';
  end if;

  -- Coins at rest are forfeited, so the closed accounts end at zero (debts excepted) and the books balance.
  for acct in
    select a.id, a.kind, a.balance from public.ledger_accounts a
    where (a.user_id = uid or a.profile_id = any (personas)) and a.closed_at is null
      and a.kind in ('user_wallet', 'creator_available') and a.currency = 'COIN' and a.balance > 0
    order by a.id
  loop
    perform 1 from public.ledger_post('account_deleted_forfeit', 'account-deleted:' || acct.id::text,
      md5(acct.id::text || ':' || acct.balance::text), null,
      jsonb_build_object('account_kind', acct.kind, 'amount', acct.balance),
      jsonb_build_array(
        jsonb_build_object('account', acct.id, 'amount', -acct.balance),
        jsonb_build_object('account', public.ledger_account('platform_revenue', null, null, 'COIN'), 'amount', acct.balance)
      ));
  end loop;
  update public.ledger_accounts set user_id = null, profile_id = null, closed_at = now()
   where (user_id = uid or profile_id = any (personas)) and closed_at is null;
  update public.creator_earnings set creator_id = null where creator_id = any (personas);
  update public.payouts set creator_id = null, destination = null where creator_id = any (personas);
  update public.coin_purchases set user_id = null, ip = null, device_install_id = null, card_fingerprint = null
   where user_id = uid;
end
$$;
revoke execute on function public.delete_account_economy() from public, anon;
