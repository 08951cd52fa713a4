-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

-- Adds (or, with p_replace, swaps in) the caller's keyed contact hashes; at most p_max in total.
create function public.upload_contact_hashes(p_kinds text[], p_hashes text[], p_replace boolean, p_max int)
returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  total int;
begin
  if uid is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if coalesce(array_length(p_kinds, 1), 0) <> coalesce(array_length(p_hashes, 1), 0) then
    raise exception 'kinds and hashes differ in length' using errcode = '22023';
  end if;
  -- One upload at a time per user, so the limit check below cannot be raced.
  perform pg_advisory_xact_lock(hashtextextended('contacts:' || uid::text, 0));
  if p_replace then delete from public.contact_hashes where user_id = uid; end if;
  insert into public.contact_hashes (user_id, kind, hash)
    select uid, k, h from unnest(p_kinds, p_hashes) as t (k, h)
    on conflict do nothing;
  select count(*) into total from public.contact_hashes where user_id = uid;
  if total > p_max then
    raise exception 'at most % contacts can be stored', p_max using errcode = 'IP422', hint = 'hashes';
  end if;
  return total;
end
$$;
revoke execute on function public.upload_contact_hashes(text[], text[], boolean, int) from public, anon;

-- Is `p_target` a shadow persona whose owner keeps it from the signed-in user (contacts)? Used by the profiles
-- policy, conversations, media, is_persona_hidden and every guarded function. Networks do not count here: see
-- is_network_isolated.
create function public.is_firewall_hidden(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select auth.uid() is not null and exists (
    select 1 from public.profiles t join public.persona_links l on l.profile_id = t.id
    where t.id = p_target and t.kind = 'shadow' and l.user_id <> auth.uid()
      and public.is_contacts_walled(l.user_id, auth.uid())
  )
$$;

-- Is this persona hidden from the caller by a block (either way) or the firewall? For security-definer code,
-- which RLS does not cover.
create function public.is_persona_hidden(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select public.is_blocked_by(p_target)
    or exists (select 1 from public.blocks b where b.blocker_id = public.current_persona_id() and b.blocked_id = p_target)
    or public.is_firewall_hidden(p_target)
$$;

-- Conversations a member can no longer see: the other side is behind the firewall.
create function public.is_conversation_firewalled(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.conversation_members o
                 where o.conversation_id = p_target and o.profile_id <> public.current_persona_id()
                   and public.is_firewall_hidden(o.profile_id))
$$;

-- Sending into a conversation whose other side is now behind the firewall: it no longer exists for you.
create function public.guard_conversation_firewall() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if public.is_conversation_firewalled(new.conversation_id) then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  return new;
end
$$;

create trigger messages_firewall_guard before insert on public.messages
  for each row execute function public.guard_conversation_firewall();

-- Expired network fingerprints are deleted by the shadow-cache cleaner; this is its batch step.
create function public.purge_expired_network_sightings(p_as_of timestamptz, p_batch int) returns int
language plpgsql security definer
set search_path = ''
as $$
declare
  n int;
begin
  with doomed as (
    select user_id, fingerprint from public.network_sightings where expires_at <= p_as_of
    limit p_batch for update skip locked
  )
  delete from public.network_sightings s using doomed d
    where s.user_id = d.user_id and s.fingerprint = d.fingerprint;
  get diagnostics n = row_count;
  return n;
end
$$;
revoke execute on function public.purge_expired_network_sightings(timestamptz, int) from public, anon, authenticated;

-- The social firewall is no oracle (issue 8 §3, decision 014): nothing a viewer controls (its uploads, the
-- network it calls from, the personas it tips from, the handles it tries) may change what it learns about a
-- persona it can name.

-- ---------------------------------------------------------------------------------------------------------
-- Contacts: the shadow owner's choice only. "Hide my shadow from the people in my contacts": the owner's
-- uploaded hashes against the viewer's own verified phone/email. A viewer's upload changes nothing it sees,
-- and the owner's upload changes nothing the owner sees (no reverse test either).
-- ---------------------------------------------------------------------------------------------------------
create function public.is_contacts_walled(p_owner uuid, p_viewer uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select p_owner <> p_viewer and exists (
    select 1 from public.contact_hashes c join public.identity_hashes i on i.kind = c.kind and i.hash = c.hash
    where c.user_id = p_owner and i.user_id = p_viewer)
$$;
revoke execute on function public.is_contacts_walled(uuid, uuid) from public, anon, authenticated;

-- Has the caller's active persona reached `p_target` (follow either way, or a conversation together)?
create function public.is_acquainted(p_a uuid, p_b uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.follows f
                 where (f.follower_id = p_a and f.followee_id = p_b) or (f.follower_id = p_b and f.followee_id = p_a))
    or exists (select 1 from public.conversation_members m
               join public.conversation_members o on o.conversation_id = m.conversation_id
               where m.profile_id = p_a and o.profile_id = p_b)
$$;
revoke execute on function public.is_acquainted(uuid, uuid) from public, anon, authenticated;

-- Is `p_target` a stranger's shadow that shared a network with the caller (both sightings effective)?
create function public.is_network_isolated(p_target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select auth.uid() is not null and exists (
    select 1 from public.profiles t join public.persona_links l on l.profile_id = t.id
    where t.id = p_target and t.kind = 'shadow' and l.user_id <> auth.uid()
      and exists (select 1 from public.network_sightings x
                  join public.network_sightings y on y.fingerprint = x.fingerprint and y.user_id = l.user_id
                   and y.expires_at > now() and y.effective_at <= now()
                  where x.user_id = auth.uid() and x.expires_at > now() and x.effective_at <= now())
  ) and not public.is_acquainted(public.current_persona_id(), p_target)
$$;
revoke execute on function public.is_network_isolated(uuid) from public, anon;
