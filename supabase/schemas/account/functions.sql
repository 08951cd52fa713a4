-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

-- Switching the shadow persona off, the shadow-cache cleaner, and deleting an account.
--
-- Off: the shadow profile's status is 'off'. Everything that shows a profile to others already asks for
-- status = 'active' (the profiles policy, start_conversation, avatars in can_access_media, discovery), so an
-- off shadow is gone for everyone else; its conversations are hidden from the other side (restrictive policies in
-- messaging/policies.sql) and nothing can be sent into them until it is switched on again. Its cached and derived rows (vectors,
-- avatar, notifications it caused) are purged by each domain's shadow-cleanup step (purge_shadow_vectors,
-- purge_shadow_avatars, purge_shadow_notifications; the shadow-cache-cleaner job runs them); its content stays for
-- when it comes back. Screenshot events stay: they are the owners' record and drive blurring, which toggling
-- off/on must not reset.
--
-- Deletion: begin_account_deletion(), one step per domain, finish_account_deletion() remove both personas and
-- everything they own in one transaction (below). The ledger is immutable and must keep balancing, so the money
-- side is refused while it is still moving (payouts, held earnings, purchases in flight), coins at rest are
-- forfeited by a ledger posting, and the accounts are kept but detached from the person (owner columns null,
-- closed_at set). See docs/decisions/009-account-deletion.md and 017-declarative-schema-and-baseline.md.

-- ---------------------------------------------------------------------------------------------------------
-- Shadow persona off/on
-- ---------------------------------------------------------------------------------------------------------

-- Is `p_target` a persona that is switched off (or deleted)? Security definer: the other side cannot read it.
create function public.is_persona_off(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$ select exists (select 1 from public.profiles p where p.id = p_target and p.status in ('off', 'deleted')) $$;
revoke execute on function public.is_persona_off(uuid) from public, anon;

-- Does a conversation have a member, other than the caller, that is switched off?
create function public.has_conversation_off_member(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.conversation_members o join public.profiles p on p.id = o.profile_id
                 where o.conversation_id = p_target and o.profile_id is distinct from public.current_persona_id()
                   and p.status in ('off', 'deleted'))
$$;
revoke execute on function public.has_conversation_off_member(uuid) from public, anon;

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
 * Deleting the caller's account: both personas and everything they own, in one transaction (a failure leaves
 * nothing half-deleted). Each domain deletes its own rows in a step function in its own schema file; the server
 * runs them in order, in one transaction (apps/server/src/account/account-deletion-steps.ts):
 *
 *   begin_account_deletion()      account    who is deleting, personas locked, the deletion context written
 *   delete_account_economy()      economy    refused while money moves (IPD01-04); coins forfeited, books detached
 *   delete_account_messaging()    messaging  1:1 conversations, for both sides
 *   delete_account_storage()      storage    media rows (bytes queued in purge_queue)
 *   delete_account_personas()     personas   sessions, refresh tokens, the embedded auth's OTP and rate limits
 *   finish_account_deletion()     account    profiles (and by cascade what hangs off them), the auth user
 *
 * Every step returns the storage objects whose rows went (their bytes are deleted after commit by the caller,
 * else by the next purge job) and refuses to run outside that flow: it reads the deletion context, a row of
 * account_deletions keyed by this transaction's id that only begin writes and finish removes.
 *
 * Removed: profiles (and by cascade posts, follows, blocks, subscriptions, tips, unlocks, notifications,
 * vectors, screenshot events, payout accounts), all media rows (bytes queued), every 1:1 conversation of either
 * persona for both sides (with the other side's media sent in it, unless used elsewhere), sessions and refresh
 * tokens, devices, contact and identity hashes, the embedded auth's OTP and rate-limit rows, the auth user.
 * Kept, detached: ledger accounts (closed), creator earnings and payouts (creator null, destination null),
 * coin purchases (user, IP, device and card fingerprint null).
 */

-- The deletion in progress in this transaction, for the caller; refuses a step called out of flow.
create function public.account_deletion_context() returns public.account_deletions
language plpgsql security definer
set search_path = ''
as $$
declare
  ctx public.account_deletions;
begin
  select * into ctx from public.account_deletions d where d.txid = txid_current() and d.user_id = auth.uid();
  if not found then
    raise exception 'an account deletion step runs only in the transaction of begin_account_deletion()'
      using errcode = '55000';
  end if;
  return ctx;
end
$$;
revoke execute on function public.account_deletion_context() from public, anon, authenticated;

create function public.begin_account_deletion() returns setof text
language plpgsql security definer
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  personas uuid[];
begin
  if uid is null then raise exception 'not signed in' using errcode = '28000'; end if;
  -- One deletion per account at a time; locking the personas keeps anything new from attaching to them.
  perform 1 from auth.users x where x.id = uid for update;
  if not found then raise exception 'account not found' using errcode = 'IP404'; end if;
  select coalesce(array_agg(l.profile_id), '{}') into personas from public.persona_links l where l.user_id = uid;
  perform 1 from public.profiles x where x.id = any (personas) order by x.id for update;
  insert into public.account_deletions (user_id, personas) values (uid, personas);
end
$$;
revoke execute on function public.begin_account_deletion() from public, anon;

create function public.finish_account_deletion() returns setof text
language plpgsql security definer
set search_path = ''
as $$
declare
  ctx public.account_deletions := public.account_deletion_context();
  p uuid;
begin
  delete from public.profiles x where x.id = any (ctx.personas);
  delete from auth.users x where x.id = ctx.user_id;
  foreach p in array ctx.personas loop
    perform pg_notify('ipelya_realtime', json_build_object('topic', 'persona_closed', 'profile_id', p)::text);
  end loop;
  delete from public.account_deletions d where d.txid = ctx.txid;
end
$$;
revoke execute on function public.finish_account_deletion() from public, anon;

-- A deletion ends in the transaction that began it: a begin that no finish followed cannot commit (checked at
-- commit), so no half-deleted account and no stray context row survive a caller that stopped half-way.
create function public.refuse_unfinished_account_deletion() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.txid = txid_current() and exists (select 1 from public.account_deletions d where d.txid = new.txid) then
    raise exception 'an account deletion was begun but not finished in this transaction' using errcode = '55000';
  end if;
  return null;
end
$$;

create constraint trigger account_deletions_finished after insert on public.account_deletions
  deferrable initially deferred for each row execute function public.refuse_unfinished_account_deletion();

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
