-- Social firewall: a user's shadow persona stays invisible to the people in their address book (either
-- direction) and to people seen on the same network recently. Blocks and the firewall are enforced here, in
-- row-level security and in the guarded functions, so every reader (API, realtime, PostgREST on Supabase)
-- gets the same answer.
--
-- Only keyed hashes are stored: the app hashes address-book entries with a per-deployment key
-- (contactHash in @ipelya/contracts), the server keys them again with a secret it never stores here, and
-- hashes users' own verified phone/email the same way. Network fingerprints are keyed hashes of the /24
-- (IPv4) or /64 (IPv6) prefix and expire after the configured window.

-- A user's own verified identifiers, keyed. Written by the server; nobody reads them but the firewall.
create table public.identity_hashes (
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null check (kind in ('phone', 'email')),
  hash text not null check (length(hash) = 64),
  updated_at timestamptz not null default now(),
  primary key (user_id, kind)
);
create index identity_hashes_hash_idx on public.identity_hashes (kind, hash);
alter table public.identity_hashes enable row level security;
revoke all on public.identity_hashes from anon, authenticated;

-- Uploaded contacts: the owner may list and delete them; adding goes through upload_contact_hashes (limits).
create index contact_hashes_hash_idx on public.contact_hashes (kind, hash);
revoke insert, update on public.contact_hashes from authenticated;
drop policy "Owners manage their contact hashes" on public.contact_hashes;
create policy "Owners see their contact hashes" on public.contact_hashes
  for select to authenticated using (user_id = (select auth.uid()));
create policy "Owners delete their contact hashes" on public.contact_hashes
  for delete to authenticated using (user_id = (select auth.uid()));

create table public.network_sightings (
  user_id uuid not null references auth.users (id) on delete cascade,
  fingerprint text not null check (length(fingerprint) = 64),
  expires_at timestamptz not null,
  primary key (user_id, fingerprint)
);
create index network_sightings_fingerprint_idx on public.network_sightings (fingerprint, expires_at);
create index network_sightings_expiry_idx on public.network_sightings (expires_at);
alter table public.network_sightings enable row level security;
revoke all on public.network_sightings from anon, authenticated;

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

-- Are these two users walled off from each other's shadow personas? Symmetric.
create function public.users_firewalled(a uuid, b uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select a <> b and (
    exists (select 1 from public.contact_hashes c join public.identity_hashes i on i.kind = c.kind and i.hash = c.hash
            where c.user_id = a and i.user_id = b)
    or exists (select 1 from public.contact_hashes c join public.identity_hashes i on i.kind = c.kind and i.hash = c.hash
               where c.user_id = b and i.user_id = a)
    or exists (select 1 from public.network_sightings x
               join public.network_sightings y on y.fingerprint = x.fingerprint and y.user_id = b and y.expires_at > now()
               where x.user_id = a and x.expires_at > now())
  )
$$;
revoke execute on function public.users_firewalled(uuid, uuid) from public, anon, authenticated;

-- Is `target` a shadow persona the signed-in user must not see? (Their own personas never are.)
create function public.firewall_hides(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select auth.uid() is not null and exists (
    select 1 from public.profiles t join public.persona_links l on l.profile_id = t.id
    where t.id = target and t.kind = 'shadow' and l.user_id <> auth.uid()
      and public.users_firewalled(auth.uid(), l.user_id)
  )
$$;

-- Is this persona hidden from the caller by a block (either way) or the firewall? For security-definer code,
-- which RLS does not cover.
create function public.persona_hidden(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select public.blocked_by(target)
    or exists (select 1 from public.blocks b where b.blocker_id = public.current_persona_id() and b.blocked_id = target)
    or public.firewall_hides(target)
$$;

-- Profiles: shadow personas exist only for signed-in users (an anonymous visitor could be anyone), and
-- not for a blocked persona or across the firewall.
drop policy "Active profiles are visible to everyone" on public.profiles;
create policy "Active profiles are visible to everyone" on public.profiles
  for select to anon, authenticated
  using (
    id = (select public.current_persona_id())
    or (
      status = 'active'
      and (kind = 'real' or (select auth.uid()) is not null)
      and ((select public.current_persona_id()) is null or not public.blocked_by(id))
      and (kind = 'real' or not public.firewall_hides(id))
    )
  );

-- Posts (and so the feed and profile pages) only of authors the caller can see; the profiles subquery runs
-- under the caller's RLS, so blocks, suspensions and the firewall apply without repeating them.
drop policy "Published posts are visible as teasers" on public.posts;
create policy "Published posts are visible as teasers" on public.posts
  for select to anon, authenticated
  using (
    author_id = (select public.current_persona_id())
    or (status = 'published' and exists (select 1 from public.profiles a where a.id = author_id))
  );

-- Paid bodies and media follow the same visibility: an entitlement does not outlive a block or the firewall.
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
          and not public.persona_hidden(p.author_id)
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

-- Conversations a member can no longer see: the other side is behind the firewall.
create function public.conversation_firewalled(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.conversation_members o
                 where o.conversation_id = target and o.profile_id <> public.current_persona_id()
                   and public.firewall_hides(o.profile_id))
$$;

create or replace function public.is_conversation_member(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.conversation_members m
                 where m.conversation_id = target and m.profile_id = public.current_persona_id() and m.state <> 'left')
    and not public.conversation_firewalled(target)
$$;

-- Media: owners; entitled post viewers; avatars of visible profiles; members of a conversation for media sent
-- in it (not view-once, which opens through open_view_once; not a sealed paid message; not once expired).
create index messages_media_idx on public.messages (media_id) where media_id is not null;
create or replace function public.can_access_media(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.media_objects m where m.id = target and m.owner_id = public.current_persona_id())
    or exists (select 1 from public.post_media pm where pm.media_id = target and public.can_access_post(pm.post_id))
    or exists (select 1 from public.profiles p where p.avatar_media_id = target and p.status = 'active'
               and (p.kind = 'real' or auth.uid() is not null) and not public.persona_hidden(p.id))
    or exists (select 1 from public.messages msg
               where msg.media_id = target and not msg.view_once
                 and (msg.expires_at is null or msg.expires_at > now())
                 and public.is_conversation_member(msg.conversation_id)
                 and (msg.price_coins is null or msg.sender_id = public.current_persona_id()
                      or exists (select 1 from public.message_unlocks u
                                 where u.message_id = msg.id and u.buyer_id = public.current_persona_id())))
$$;

-- Notifications from personas the recipient cannot see are not shown (a hidden follower stays hidden).
drop policy "Recipients see their notifications" on public.notifications;
create policy "Recipients see their notifications" on public.notifications
  for select to authenticated
  using (recipient_id = (select public.current_persona_id())
         and (actor_id is null or exists (select 1 from public.profiles a where a.id = actor_id)));

-- Starting a conversation: a persona behind the firewall is indistinguishable from a missing one.
create or replace function public.start_conversation(p_other uuid) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
  my_kind text;
  other_kind text;
  key text;
  conv uuid;
  other_state text;
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if p_other = me then raise exception 'you cannot message yourself' using errcode = '22023'; end if;
  select p.kind into my_kind from public.profiles p where p.id = me;
  select p.kind into other_kind from public.profiles p where p.id = p_other and p.status = 'active';
  if other_kind is null or public.blocked_by(p_other) or public.firewall_hides(p_other) then
    raise exception 'profile not found' using errcode = 'IP404';
  end if;
  if exists (select 1 from public.blocks b where b.blocker_id = me and b.blocked_id = p_other) then
    raise exception 'unblock this profile first' using errcode = 'IP403';
  end if;
  if other_kind <> my_kind then
    raise exception 'conversations are only between personas of the same kind' using errcode = '42501';
  end if;
  key := least(me::text, p_other::text) || ':' || greatest(me::text, p_other::text);
  select c.id into conv from public.conversations c where c.direct_key = key;
  if conv is null then
    insert into public.conversations (kind, direct_key) values (my_kind, key)
      on conflict (direct_key) do nothing returning id into conv;
    if conv is null then
      select c.id into conv from public.conversations c where c.direct_key = key;
    else
      -- Someone who does not follow you reaches you as a request.
      other_state := case when exists (select 1 from public.follows f where f.follower_id = p_other and f.followee_id = me)
                          then 'active' else 'request' end;
      insert into public.conversation_members (conversation_id, profile_id, state, last_read_at)
        values (conv, me, 'active', now()), (conv, p_other, other_state, null);
      return conv;
    end if;
  end if;
  update public.conversation_members m set state = 'active'
    where m.conversation_id = conv and m.profile_id = me and m.state in ('declined', 'left');
  return conv;
end
$$;

-- Sending into a conversation whose other side is now behind the firewall: it no longer exists for you.
create function public.guard_conversation_firewall() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if public.conversation_firewalled(new.conversation_id) then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  return new;
end
$$;
create trigger messages_firewall_guard before insert on public.messages
  for each row execute function public.guard_conversation_firewall();

-- Typing from behind the firewall goes nowhere.
create or replace function public.broadcast_typing(p_conversation uuid) returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
begin
  if me is null or not exists (select 1 from public.conversation_members m
                               where m.conversation_id = p_conversation and m.profile_id = me and m.state in ('active', 'request')) then
    return false;
  end if;
  if exists (select 1 from public.conversation_members o
             where o.conversation_id = p_conversation and o.profile_id <> me and public.blocked_between(me, o.profile_id))
     or public.conversation_firewalled(p_conversation) then
    return false;
  end if;
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'typing', 'conversation_id', p_conversation, 'profile_id', me)::text);
  return true;
end
$$;

-- Vibe Match never suggests a persona the caller cannot see.
create or replace function public.similar_creators(k int default 10)
returns table (profile_id uuid, distance double precision)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not public.vector_search_available() then
    raise exception 'vector search is not available on this database' using errcode = '0A000';
  end if;
  return query execute
    'select v.profile_id, (v.vibe operator(extensions.<=>) me.vibe)::float8
       from public.profile_vectors me
       join public.profile_vectors v on v.profile_id <> me.profile_id and v.vibe is not null
       join public.profiles p on p.id = v.profile_id and p.is_creator and p.status = ''active''
      where me.profile_id = public.current_persona_id() and me.vibe is not null
        and not public.persona_hidden(v.profile_id)
      order by v.vibe operator(extensions.<=>) me.vibe
      limit $1'
    using least(greatest(k, 1), 50);
end
$$;

-- Hidden mutuals: follower counts exist only for real creator profiles (unchanged), and nobody but the two
-- ends can see a follow edge. A shadow persona's following is not counted anywhere either.
create or replace function public.follower_count(target uuid) returns bigint
language sql stable security definer
set search_path = ''
as $$
  select case when p.is_creator and p.kind = 'real' then
    (select count(*) from public.follows f join public.profiles fp on fp.id = f.follower_id
      where f.followee_id = p.id and fp.kind = 'real')
  end
  from public.profiles p where p.id = target
$$;

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
