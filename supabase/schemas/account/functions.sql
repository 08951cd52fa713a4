-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

-- Switching the shadow persona off, the shadow-cache cleaner, and deleting an account.
--
-- Off: the shadow profile's status is 'off'. Everything that shows a profile to others already asks for
-- status = 'active' (the profiles policy, start_conversation, avatars in can_access_media, discovery), so an
-- off shadow is gone for everyone else; its conversations are hidden from the other side (restrictive policies in
-- messaging/policies.sql) and nothing can be sent into them until it is switched on again. Its cached and derived rows (vectors,
-- avatar, notifications it caused) are purged by purge_shadow_caches; its content stays for when it comes back.
--
-- Deletion: delete_my_account() removes both personas and everything they own in one transaction. The ledger
-- is immutable and must keep balancing, so the money side is refused while it is still moving (payouts,
-- held earnings, purchases in flight), coins at rest are forfeited by a ledger posting, and the accounts are
-- kept but detached from the person (owner columns null, closed_at set). See docs/decisions/*-account-deletion.md.

-- ---------------------------------------------------------------------------------------------------------
-- Shadow persona off/on
-- ---------------------------------------------------------------------------------------------------------

-- Is `target` a persona that is switched off (or deleted)? Security definer: the other side cannot read it.
create function public.persona_is_off(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$ select exists (select 1 from public.profiles p where p.id = target and p.status in ('off', 'deleted')) $$;
revoke execute on function public.persona_is_off(uuid) from public, anon;

-- Does a conversation have a member, other than the caller, that is switched off?
create function public.conversation_has_off_member(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.conversation_members o join public.profiles p on p.id = o.profile_id
                 where o.conversation_id = target and o.profile_id is distinct from public.current_persona_id()
                   and p.status in ('off', 'deleted'))
$$;
revoke execute on function public.conversation_has_off_member(uuid) from public, anon;

-- Nothing is sent into a conversation with a switched-off member, in either direction (a stale shadow token
-- included): to the other side it does not exist.
create function public.guard_conversation_off() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.conversation_members o join public.profiles p on p.id = o.profile_id
             where o.conversation_id = new.conversation_id and p.status in ('off', 'deleted')) then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  return new;
end
$$;

create trigger messages_off_guard before insert on public.messages
  for each row execute function public.guard_conversation_off();

-- The owner's shadow: 'active' or 'off' (or suspended/deleted, which only moderation changes).
create function public.my_shadow_status() returns text
language sql stable security definer
set search_path = ''
as $$
  select p.status from public.persona_links l join public.profiles p on p.id = l.profile_id
  where l.user_id = auth.uid() and l.kind = 'shadow'
$$;
revoke execute on function public.my_shadow_status() from public, anon;

/*
 * Switches the caller's shadow persona on or off, from either persona. Off: every session of the user that is
 * in the shadow persona goes back to real (their next token says so; the caller re-issues its own), open
 * realtime sockets of the shadow are closed, and the cleaner purges its cached rows. Idempotent.
 */
create function public.set_shadow_active(p_active boolean) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  shadow uuid;
  st text;
begin
  if uid is null then raise exception 'not signed in' using errcode = '28000'; end if;
  select l.profile_id into shadow from public.persona_links l where l.user_id = uid and l.kind = 'shadow';
  select p.status into st from public.profiles p where p.id = shadow for update;
  if st is null then raise exception 'profile not found' using errcode = 'IP404'; end if;
  if st not in ('active', 'off') then
    raise exception 'your shadow persona is % and cannot be switched', st using errcode = '42501';
  end if;
  if p_active then
    if st = 'off' then
      update public.profiles set status = 'active', updated_at = date_trunc('day', now()) where id = shadow;
    end if;
    return 'active';
  end if;
  if st = 'active' then
    update public.profiles set status = 'off', updated_at = date_trunc('day', now()) where id = shadow;
  end if;
  update public.session_state set persona = 'real', updated_at = now() where user_id = uid and persona = 'shadow';
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'persona_closed', 'profile_id', shadow)::text);
  return 'off';
end
$$;
revoke execute on function public.set_shadow_active(boolean) from public, anon;

/*
 * One batch of the cleaner (in-process scheduler every 10 minutes, or the shadow-cache-cleaner edge function).
 * For personas that are off or deleted it removes, at most p_batch rows of each kind:
 *   discovery rows (profile_vectors), the avatar (profile pointer cleared; the media row deleted unless a post
 *   or message still uses it, its bytes queued in purge_queue), notifications the persona caused.
 * It also sweeps network fingerprints expired by p_as_of (the social firewall's purge step).
 * Screenshot events stay: they are the owners' record and drive blurring, which toggling off/on must not reset.
 * Idempotent (a second run finds nothing), concurrent runs share the work (skip locked), and rows and queue
 * entries commit together, so a crash before the bytes are deleted is resumed from purge_queue.
 * Returns the rows removed.
 */
create function public.purge_shadow_caches(p_as_of timestamptz, p_batch int) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  batch int := greatest(coalesce(p_batch, 500), 1);
  n_vectors int := 0;
  n_avatars int := 0;
  n_media int := 0;
  n_notifications int := 0;
  n_sightings int := 0;
  medias uuid[];
begin
  with doomed as (
    select v.profile_id from public.profile_vectors v join public.profiles p on p.id = v.profile_id
    where p.status in ('off', 'deleted')
    limit batch for update of v skip locked
  )
  delete from public.profile_vectors v using doomed d where v.profile_id = d.profile_id;
  get diagnostics n_vectors = row_count;

  with doomed as (
    select p.id, p.avatar_media_id from public.profiles p
    where p.status in ('off', 'deleted') and p.avatar_media_id is not null
    limit batch for update of p skip locked
  ), cleared as (
    update public.profiles p set avatar_media_id = null from doomed d where p.id = d.id returning d.avatar_media_id
  )
  select coalesce(array_agg(c.avatar_media_id), '{}'), count(*) into medias, n_avatars from cleared c;
  if cardinality(medias) > 0 then
    with gone as (
      delete from public.media_objects o
        where o.id = any (medias)
          and not exists (select 1 from public.post_media pm where pm.media_id = o.id)
          and not exists (select 1 from public.messages x where x.media_id = o.id)
          and not exists (select 1 from public.profiles p where p.avatar_media_id = o.id)
        returning o.id, o.object_path
    )
    insert into public.purge_queue (object_path, media_id) select g.object_path, g.id from gone g;
    get diagnostics n_media = row_count;
  end if;

  with doomed as (
    select n.id from public.notifications n join public.profiles p on p.id = n.actor_id
    where p.status in ('off', 'deleted')
    limit batch for update of n skip locked
  )
  delete from public.notifications n using doomed d where n.id = d.id;
  get diagnostics n_notifications = row_count;

  n_sightings := public.purge_expired_network_sightings(p_as_of, batch);

  return n_vectors + n_avatars + n_media + n_notifications + n_sightings;
end
$$;
revoke execute on function public.purge_shadow_caches(timestamptz, int) from public, anon, authenticated;
grant execute on function public.purge_shadow_caches(timestamptz, int) to service_role;

/*
 * Deletes the caller's account: both personas and everything they own, in one transaction (a failure leaves
 * nothing half-deleted). Returns the storage objects whose rows went; their bytes are queued in purge_queue
 * and deleted after commit (by the caller, else by the next purge job).
 *
 * Refused (nothing changes) while money is moving:
 *   IPD01 payout_in_flight    a payout is awaiting approval, scheduled, processing or retrying
 *   IPD02 earnings_pending    earnings are still inside the hold period
 *   IPD03 earnings_unpaid     available earnings reach the payout minimum (the weekly payout will pay them)
 *   IPD04 purchase_in_flight  a coin purchase is held for review or was started in the last 24 hours
 * Forfeited (posted to platform_revenue, kind account_deleted_forfeit): wallet coins, and available earnings
 * below the payout minimum. A wallet in debt stays in debt on its closed account.
 *
 * Removed: profiles (and by cascade posts, follows, blocks, subscriptions, tips, unlocks, notifications,
 * vectors, screenshot events, payout accounts), all media rows (bytes queued), every 1:1 conversation of either
 * persona for both sides (with the other side's media sent in it, unless used elsewhere), sessions and refresh
 * tokens, devices, contact and identity hashes, the embedded auth's OTP and rate-limit rows, the auth user.
 * Kept, detached: ledger accounts (closed), creator earnings and payouts (creator null, destination null),
 * coin purchases (user, IP, device and card fingerprint null).
 */
create function public.delete_my_account() returns setof text
language plpgsql security definer
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  u record;
  personas uuid[];
  minimum bigint := public.economy_setting('payout_minimum_coins');
  acct record;
  convs uuid[];
  other_media uuid[];
  paths text[];
  identifiers text[];
  p uuid;
begin
  if uid is null then raise exception 'not signed in' using errcode = '28000'; end if;
  -- One deletion per account at a time; locking the personas keeps anything new from attaching to them.
  select x.id, x.email, x.phone into u from auth.users x where x.id = uid for update;
  if not found then raise exception 'account not found' using errcode = 'IP404'; end if;
  select coalesce(array_agg(l.profile_id), '{}') into personas from public.persona_links l where l.user_id = uid;
  perform 1 from public.profiles x where x.id = any (personas) order by x.id for update;
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

  -- No trace: a 1:1 conversation goes for both sides, with what the other side sent into it.
  select coalesce(array_agg(distinct m.conversation_id), '{}') into convs
    from public.conversation_members m join public.conversations c on c.id = m.conversation_id
   where m.profile_id = any (personas) and c.direct_key is not null;
  select coalesce(array_agg(distinct x.media_id), '{}') into other_media
    from public.messages x
   where x.conversation_id = any (convs) and x.media_id is not null and not (x.sender_id = any (personas));
  delete from public.conversations c where c.id = any (convs);

  with gone as (
    delete from public.media_objects o
     where o.owner_id = any (personas)
        or (o.id = any (other_media)
            and not exists (select 1 from public.post_media pm where pm.media_id = o.id)
            and not exists (select 1 from public.messages x where x.media_id = o.id)
            and not exists (select 1 from public.profiles x where x.avatar_media_id = o.id))
     returning o.id, o.object_path
  ), queued as (
    insert into public.purge_queue (object_path, media_id) select g.object_path, g.id from gone g returning object_path
  )
  select coalesce(array_agg(q.object_path), '{}') into paths from queued q;

  -- Sessions end now: the API checks session_is_active on every request.
  delete from auth.refresh_tokens where user_id = uid::text;
  delete from auth.sessions where user_id = uid;
  -- The embedded auth keys OTP challenges and rate limits by address (Supabase Auth has no such tables).
  identifiers := array_remove(array[
    case when u.email is not null then 'email:' || u.email end,
    case when u.phone is not null then 'phone:' || u.phone end
  ], null);
  if to_regclass('auth.otp_challenges') is not null then
    execute 'delete from auth.otp_challenges where identifier = any ($1)' using identifiers;
  end if;
  if to_regclass('auth.rate_events') is not null then
    execute 'delete from auth.rate_events where key = any ($1)' using identifiers;
  end if;

  delete from public.profiles x where x.id = any (personas);
  delete from auth.users x where x.id = uid;

  foreach p in array personas loop
    perform pg_notify('ipelya_realtime', json_build_object('topic', 'persona_closed', 'profile_id', p)::text);
  end loop;
  return query select unnest(paths);
end
$$;
revoke execute on function public.delete_my_account() from public, anon;

create function public.request_privacy_vacuum() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (select 1 from gone) then insert into public.vacuum_requests default values; end if;
  return null;
end
$$;

create trigger profiles_deleted_vacuum after delete on public.profiles
  referencing old table as gone for each statement execute function public.request_privacy_vacuum();
