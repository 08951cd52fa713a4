-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

-- The single entitlement rule for paid and restricted content. Paid bodies and media follow the same
-- visibility: an entitlement does not outlive a block or the firewall.
create function public.can_access_post(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.posts p
    where p.id = p_target
      and (
        p.author_id = public.current_persona_id()
        or (
          p.status = 'published'
          and not public.is_persona_hidden(p.author_id)
          and exists (select 1 from public.profiles a where a.id = p.author_id and a.status = 'active'
                      and (a.kind = 'real' or auth.uid() is not null))
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

create function public.can_access_media(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.media_objects m where m.id = p_target and m.owner_id = public.current_persona_id())
    or exists (select 1 from public.post_media pm where pm.media_id = p_target and public.can_access_post(pm.post_id))
    or exists (select 1 from public.profiles p where p.avatar_media_id = p_target and p.status = 'active'
               and (p.kind = 'real' or auth.uid() is not null) and not public.is_persona_hidden(p.id))
    or exists (select 1 from public.messages msg
               where msg.media_id = p_target and not msg.view_once
                 and (msg.expires_at is null or msg.expires_at > now())
                 and public.is_conversation_member(msg.conversation_id)
                 and (msg.price_coins is null or msg.sender_id = public.current_persona_id()
                      or exists (select 1 from public.message_unlocks u
                                 where u.message_id = msg.id and u.buyer_id = public.current_persona_id())))
$$;

create function public.is_post_author(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$ select exists (select 1 from public.posts p where p.id = p_target and p.author_id = public.current_persona_id()) $$;

create function public.stamp_post_publication() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = 'published' and (tg_op = 'INSERT' or old.status <> 'published') then
    new.published_at := now();
    new.publish_at := coalesce(new.publish_at, new.published_at);
  elsif new.status <> 'published' then
    new.published_at := null;
  end if;
  if new.status = 'scheduled' and new.publish_at <= now() and tg_op = 'INSERT' then
    raise exception 'publish_at must be in the future' using errcode = '22023';
  end if;
  return new;
end
$$;

create trigger posts_stamp_publication before insert or update on public.posts
  for each row execute function public.stamp_post_publication();

-- Counting followers is public for creators' real profiles only: a shadow persona's audience stays hidden.
-- Hidden mutuals: nobody but the two ends can see a follow edge, and a shadow persona's following is not
-- counted anywhere either.
create function public.follower_count(p_target uuid) returns bigint
language sql stable security definer
set search_path = ''
as $$
  select case when p.is_creator and p.kind = 'real' then
    (select count(*) from public.follows f join public.profiles fp on fp.id = f.follower_id
      where f.followee_id = p.id and fp.kind = 'real')
  end
  from public.profiles p where p.id = p_target
$$;

create function public.is_following(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$ select exists (select 1 from public.follows f where f.follower_id = public.current_persona_id() and f.followee_id = p_target) $$;

-- The scheduled-publishing job (in-process scheduler, or the `publish-scheduled` edge function via pg_cron).
create function public.publish_due_posts(p_as_of timestamptz default now(), p_batch int default 500) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  n int;
begin
  with due as (
    select id from public.posts where status = 'scheduled' and publish_at <= p_as_of
    order by publish_at limit p_batch for update skip locked
  )
  update public.posts p set status = 'published', updated_at = now() from due where p.id = due.id;
  get diagnostics n = row_count;
  return n;
end
$$;
revoke execute on function public.publish_due_posts(timestamptz, int) from public, anon, authenticated;
grant execute on function public.publish_due_posts(timestamptz, int) to service_role;

-- Spending now distinguishes grace: a past-due subscription keeps access until grace_until.
create function public.has_active_subscription(p_subscriber uuid, p_creator uuid) returns boolean
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
revoke execute on function public.unlock_post(uuid, text) from public, anon;

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
