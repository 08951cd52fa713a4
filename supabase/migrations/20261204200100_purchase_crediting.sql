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

/*
 * Credits a succeeded payment exactly once (per provider + payment id), after checking what the provider
 * reported. The purchase row may exist (created pending at checkout) or not (store purchases arrive first).
 * outcome: credited | already_credited | held_amount_mismatch | not_creditable.
 */
drop function public.credit_coin_purchase(text, text, uuid, uuid, bigint, text, text, text);
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

/*
 * Refund or chargeback. Before crediting it only moves the state (a refunded purchase is never credited).
 * After crediting it takes the coins back even if they were spent (the wallet goes into debt, the account is
 * queued for fraud review, and pending creator earnings those coins paid for are clawed back).
 * Partial refunds: p_amount_minor is this refund's amount, or with p_cumulative the total refunded so far
 * (Stripe's amount_refunded). Coins debited in total = ceil(coins × refunded / paid), so a refund never leaves
 * coins that were not paid for; partial refunds add up to at most the whole purchase.
 */
drop function public.reverse_coin_purchase(text, text, text, text);
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

/*
 * A dispute the platform won: the coins the chargeback took come back (new transactions; the old ones stay),
 * and so do the creator earnings it clawed back (as new earnings, available at once: their hold was served).
 */
create or replace function public.restore_coin_purchase(p_provider text, p_external_id text, p_event_id text default null)
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

-- Release now moves what is left of each earning after clawbacks; rows are locked so a clawback and a release
-- of the same earning serialize.
create or replace function public.release_earnings(p_as_of timestamptz default now()) returns int
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

-- The old crediting functions allowed a failed purchase to be credited; the trigger now refuses it, and
-- fraud_release (which calls credit_coin_purchase) keeps working with the new signature.
revoke execute on function public.purchase_set_status(uuid, text, text, text) from public, anon, authenticated;
revoke execute on function public.reconciliation_open(text, text, text, text, uuid, uuid, bigint, text, text, text) from public, anon, authenticated;
revoke execute on function public.purchase_amount_problem(uuid, bigint, text) from public, anon, authenticated;
revoke execute on function public.purchase_check_reported(uuid, text, bigint, text, text) from public, anon, authenticated;
revoke execute on function public.purchase_post_credit(uuid, text, text) from public, anon, authenticated;
revoke execute on function public.credit_coin_purchase(text, text, uuid, uuid, bigint, text, text, text) from public, anon, authenticated;
revoke execute on function public.purchase_clawback(uuid, text, bigint, uuid) from public, anon, authenticated;
revoke execute on function public.reverse_coin_purchase(text, text, text, text, bigint, boolean) from public, anon, authenticated;
revoke execute on function public.purchase_record_fee(uuid, bigint, text) from public, anon, authenticated;
revoke execute on function public.expire_pending_purchases(timestamptz, int) from public, anon, authenticated;
revoke execute on function public.reconciliation_resolve(uuid, text, text, text) from public, anon;
grant execute on function public.purchase_set_status(uuid, text, text, text) to service_role;
grant execute on function public.purchase_check_reported(uuid, text, bigint, text, text) to service_role;
grant execute on function public.credit_coin_purchase(text, text, uuid, uuid, bigint, text, text, text) to service_role;
grant execute on function public.reverse_coin_purchase(text, text, text, text, bigint, boolean) to service_role;
grant execute on function public.purchase_record_fee(uuid, bigint, text) to service_role;
grant execute on function public.expire_pending_purchases(timestamptz, int) to service_role;
grant execute on function public.reconciliation_open(text, text, text, text, uuid, uuid, bigint, text, text, text) to service_role;
grant execute on function public.reconciliation_resolve(uuid, text, text, text) to authenticated;
