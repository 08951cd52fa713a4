-- Every path that names a persona by id answers a hidden one (blocked either way, behind the firewall, off or
-- suspended) exactly like a missing one: tiers, subscribing, tipping and unlocking (screenshot reports: 003200).
-- (Found by the adversarial suite in apps/server/test/privacy.)

create function public.assert_persona_visible(target uuid, not_found text) returns void
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.profiles p where p.id = target and p.status = 'active'
                 and (p.kind = 'real' or auth.uid() is not null))
     or public.persona_hidden(target) then
    raise exception '%', not_found using errcode = 'IP404';
  end if;
end
$$;
revoke execute on function public.assert_persona_visible(uuid, text) from public, anon;

-- Tiers are public only where their creator's profile is visible to the reader (the subquery runs under RLS).
drop policy "Active tiers are public" on public.subscription_tiers;
create policy "Active tiers are public" on public.subscription_tiers
  for select to anon, authenticated
  using (creator_id = (select public.current_persona_id())
         or (active and exists (select 1 from public.profiles p where p.id = creator_id)));

create or replace function public.unlock_post(p_post uuid, p_idempotency_key text)
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
  perform public.assert_persona_visible(post.author_id, 'post not found');
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

create or replace function public.send_tip(p_creator uuid, p_amount bigint, p_note text, p_idempotency_key text)
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
  perform public.assert_persona_visible(p_creator, 'creator not found');
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

create or replace function public.subscribe(p_tier uuid, p_idempotency_key text)
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
  perform public.assert_persona_visible(tier.creator_id, 'tier not found');
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
