-- Fraud detection: the facts the rules score (counted by the database, so the numbers are the books' numbers),
-- holding or blocking a purchase before it is credited, recording every decision in fraud_cases, and the admin
-- review that releases (credits exactly once) or blocks.
--
-- The rules themselves are small pure functions in apps/server/src/economy/fraud/fraud.rules.ts; thresholds
-- live here in economy_settings so operators tune them without a deploy.
-- Privacy: spend facts resolve personas to their owning users inside SQL (tipping loops across real and shadow
-- personas are loops all the same), but only counts leave these functions, never which persona belongs to whom.

insert into public.economy_settings (key, value, description) values
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
  ('fraud_tip_loop_window_days', 7, 'window in which tips flowing back to the sender form a loop')
on conflict (key) do nothing;

-- What the decision was about (creator, amount, kind of spend), for the reviewer.
alter table public.fraud_cases add column details jsonb not null default '{}'::jsonb;
create index fraud_cases_subject_idx on public.fraud_cases (subject_type, subject_id);
-- Loop detection walks tips by sender.
create index tips_sender_idx on public.tips (sender_id, created_at desc);
create index coin_purchases_device_idx on public.coin_purchases (device_install_id, created_at desc) where device_install_id is not null;
create index coin_purchases_card_idx on public.coin_purchases (card_fingerprint) where card_fingerprint is not null;
create index coin_purchases_ip_idx on public.coin_purchases (created_at desc) where ip is not null;

-- Admins: public.is_admin() / public.user_is_admin() come from the payouts migration (20261124001300).

create function public.fraud_settings() returns jsonb
language sql stable security definer
set search_path = ''
as $$ select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from public.economy_settings where key like 'fraud\_%' $$;

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

/*
 * Facts about a tip about to be sent by p_user to creator persona p_creator. Loops are between accounts (users),
 * whichever persona each tip used: a shadow tipping the real persona of the account that tipped it is a loop.
 * Self-funding counts the creator's earnings in the window plus this tip's share.
 */
create function public.fraud_spend_facts(
  p_user uuid, p_creator uuid, p_amount bigint, p_idempotency_key text default null, p_as_of timestamptz default now()
) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  creator_user uuid;
  loop_since timestamptz := p_as_of - make_interval(days => public.economy_setting('fraud_tip_loop_window_days')::int);
  fund_since timestamptz := p_as_of - make_interval(days => public.economy_setting('fraud_self_funding_days')::int);
  young_cutoff timestamptz := p_as_of - make_interval(days => public.economy_setting('fraud_self_funding_young_days')::int);
  share bigint := p_amount - (p_amount * public.economy_setting('platform_fee_bps')) / 10000;
  sender_young boolean;
  back_tips bigint;
  via_accounts bigint;
  via_tips bigint;
  f record;
begin
  select l.user_id into creator_user from public.persona_links l where l.profile_id = p_creator;
  select coalesce(a.created_at > young_cutoff, true) into sender_young from public.accounts a where a.user_id = p_user;
  sender_young := coalesce(sender_young, true);

  -- Tips between accounts in the loop window as (sender user, recipient user) edges. Length 2: the recipient's
  -- account tipped the sender's account. Length 3: recipient -> X -> sender through a third account X.
  with edges as (
    select ls.user_id as su, lc.user_id as cu from public.tips t
      join public.persona_links ls on ls.profile_id = t.sender_id
      join public.persona_links lc on lc.profile_id = t.creator_id
     where t.created_at > loop_since
  )
  select (select count(*) from edges e where e.su = creator_user and e.cu = p_user),
         (select count(distinct a.cu) from edges a join edges b on b.su = a.cu
           where a.su = creator_user and b.cu = p_user and a.cu not in (p_user, creator_user)),
         (select count(*) from edges a join edges b on b.su = a.cu
           where a.su = creator_user and b.cu = p_user and a.cu not in (p_user, creator_user))
    into back_tips, via_accounts, via_tips;

  select coalesce(sum(e.amount), 0)::bigint as total,
         coalesce(sum(e.amount) filter (where acct.created_at > young_cutoff), 0)::bigint as young_total,
         count(distinct lp.user_id) filter (where acct.created_at > young_cutoff and lp.user_id <> p_user) as young_others
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
    'loop_via_accounts', via_accounts,
    'loop_via_tips', via_tips,
    'creator_window_earnings', f.total + share,
    'creator_young_earnings', f.young_total + case when sender_young then share else 0 end,
    'creator_young_accounts', f.young_others + case when sender_young then 1 else 0 end,
    'sender_is_new', sender_young
  );
end
$$;

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

create function public.fraud_require_admin() returns uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if auth.uid() is null or not public.user_is_admin(auth.uid()) then
    raise exception 'admins only' using errcode = '42501';
  end if;
  return auth.uid();
end
$$;

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

revoke execute on function public.fraud_settings() from public, anon, authenticated;
revoke execute on function public.fraud_purchase_facts(uuid, uuid, text, inet, text, bigint, timestamptz) from public, anon, authenticated;
revoke execute on function public.fraud_spend_facts(uuid, uuid, bigint, text, timestamptz) from public, anon, authenticated;
revoke execute on function public.fraud_record_case(text, text, uuid, uuid, int, text, jsonb, jsonb) from public, anon, authenticated;
revoke execute on function public.fraud_purchase_subject(text, text, uuid, uuid, bigint, text, text, text, uuid) from public, anon, authenticated;
revoke execute on function public.fraud_hold_purchase(uuid, text, text, bigint, text, text, int, text) from public, anon, authenticated;
revoke execute on function public.fraud_require_admin() from public, anon;
revoke execute on function public.fraud_case_list(text, int, timestamptz, uuid) from public, anon;
revoke execute on function public.fraud_release(uuid, text, text) from public, anon;
revoke execute on function public.fraud_block(uuid, boolean, text, text) from public, anon;
grant execute on function public.fraud_settings() to service_role;
grant execute on function public.fraud_purchase_facts(uuid, uuid, text, inet, text, bigint, timestamptz) to service_role;
grant execute on function public.fraud_spend_facts(uuid, uuid, bigint, text, timestamptz) to service_role;
grant execute on function public.fraud_record_case(text, text, uuid, uuid, int, text, jsonb, jsonb) to service_role;
grant execute on function public.fraud_purchase_subject(text, text, uuid, uuid, bigint, text, text, text, uuid) to service_role;
grant execute on function public.fraud_hold_purchase(uuid, text, text, bigint, text, text, int, text) to service_role;
grant execute on function public.fraud_require_admin() to authenticated;
grant execute on function public.fraud_case_list(text, int, timestamptz, uuid) to authenticated;
grant execute on function public.fraud_release(uuid, text, text) to authenticated;
grant execute on function public.fraud_block(uuid, boolean, text, text) to authenticated;
