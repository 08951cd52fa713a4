-- The social firewall is no oracle (issue 8 §3, decision 014): nothing a viewer controls (its uploads, the
-- network it calls from, the personas it tips from, the handles it tries) may change what it learns about a
-- persona it can name.

-- ---------------------------------------------------------------------------------------------------------
-- Contacts: the shadow owner's choice only. "Hide my shadow from the people in my contacts": the owner's
-- uploaded hashes against the viewer's own verified phone/email. A viewer's upload changes nothing it sees,
-- and the owner's upload changes nothing the owner sees (no reverse test either).
-- ---------------------------------------------------------------------------------------------------------

create function public.contacts_wall(owner uuid, viewer uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select owner <> viewer and exists (
    select 1 from public.contact_hashes c join public.identity_hashes i on i.kind = c.kind and i.hash = c.hash
    where c.user_id = owner and i.user_id = viewer)
$$;
revoke execute on function public.contacts_wall(uuid, uuid) from public, anon, authenticated;

-- Is `target` a shadow persona whose owner keeps it from the signed-in user (contacts)? Used by the profiles
-- policy, conversations, media, persona_hidden and every guarded function, as before. Networks no longer
-- count here: see network_isolates.
create or replace function public.firewall_hides(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select auth.uid() is not null and exists (
    select 1 from public.profiles t join public.persona_links l on l.profile_id = t.id
    where t.id = target and t.kind = 'shadow' and l.user_id <> auth.uid()
      and public.contacts_wall(l.user_id, auth.uid())
  )
$$;

-- The symmetric predicate is gone: nothing may hide a shadow because of what its viewer uploaded.
drop function public.users_firewalled(uuid, uuid);

-- ---------------------------------------------------------------------------------------------------------
-- Networks: a shared network only keeps strangers from being suggested to each other (similar_creators), after
-- a delay (effective_at = first seen + FIREWALL_NETWORK_DELAY_HOURS), and never for a persona the viewer has
-- reached (a follow either way or a conversation). Profiles, search, posts, conversations … ignore networks.
-- ---------------------------------------------------------------------------------------------------------

alter table public.network_sightings add column effective_at timestamptz;
update public.network_sightings set effective_at = now();
alter table public.network_sightings alter column effective_at set not null;
alter table public.network_sightings alter column effective_at set default now();

-- Has the caller's active persona reached `target` (follow either way, or a conversation together)?
create function public.personas_acquainted(a uuid, b uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.follows f
                 where (f.follower_id = a and f.followee_id = b) or (f.follower_id = b and f.followee_id = a))
    or exists (select 1 from public.conversation_members m
               join public.conversation_members o on o.conversation_id = m.conversation_id
               where m.profile_id = a and o.profile_id = b)
$$;
revoke execute on function public.personas_acquainted(uuid, uuid) from public, anon, authenticated;

-- Is `target` a stranger's shadow that shared a network with the caller (both sightings effective)?
create function public.network_isolates(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select auth.uid() is not null and exists (
    select 1 from public.profiles t join public.persona_links l on l.profile_id = t.id
    where t.id = target and t.kind = 'shadow' and l.user_id <> auth.uid()
      and exists (select 1 from public.network_sightings x
                  join public.network_sightings y on y.fingerprint = x.fingerprint and y.user_id = l.user_id
                   and y.expires_at > now() and y.effective_at <= now()
                  where x.user_id = auth.uid() and x.expires_at > now() and x.effective_at <= now())
  ) and not public.personas_acquainted(public.current_persona_id(), target)
$$;
revoke execute on function public.network_isolates(uuid) from public, anon;

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
        and not public.network_isolates(v.profile_id)
      order by v.vibe operator(extensions.<=>) me.vibe
      limit $1'
    using least(greatest(k, 1), 50);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Conversations the caller cannot see answer like missing ones: read markers (which also start the other
-- side's "30 s after read" timers), request answers, timers and sends. A persona that blocked the caller is as
-- missing as one that never existed; blocking someone yourself still says "unblock first".
-- ---------------------------------------------------------------------------------------------------------

create function public.conversation_visible(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select public.is_conversation_member(target) and not public.conversation_has_off_member(target)
$$;
revoke execute on function public.conversation_visible(uuid) from public, anon;

create or replace function public.mark_conversation_read(p_conversation uuid) returns timestamptz
language plpgsql security definer
set search_path = ''
as $$
declare
  at timestamptz;
begin
  if not public.conversation_visible(p_conversation) then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  update public.conversation_members m set last_read_at = greatest(coalesce(m.last_read_at, '-infinity'), clock_timestamp())
    where m.conversation_id = p_conversation and m.profile_id = public.current_persona_id() and m.state <> 'left'
    returning m.last_read_at into at;
  if at is null then raise exception 'conversation not found' using errcode = 'IP404'; end if;
  return at;
end
$$;

create or replace function public.respond_to_conversation(p_conversation uuid, p_action text) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
  next_state text;
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if p_action not in ('accept', 'decline', 'block') then
    raise exception 'action must be accept, decline or block' using errcode = '22023';
  end if;
  if not public.conversation_visible(p_conversation) then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  next_state := case p_action when 'accept' then 'active' else 'declined' end;
  update public.conversation_members m set state = next_state
    where m.conversation_id = p_conversation and m.profile_id = me and m.state <> 'left';
  if not found then raise exception 'conversation not found' using errcode = 'IP404'; end if;
  if p_action = 'block' then
    insert into public.blocks (blocker_id, blocked_id)
      select me, o.profile_id from public.conversation_members o
      where o.conversation_id = p_conversation and o.profile_id <> me
      on conflict do nothing;
  end if;
  return next_state;
end
$$;

create or replace function public.set_conversation_timer(p_conversation uuid, p_timer text) returns text
language plpgsql security definer
set search_path = ''
as $$
begin
  if auth.uid() is null or public.current_persona_id() is null then
    raise exception 'sign in first' using errcode = '28000';
  end if;
  if p_timer not in ('off', '30s_after_read', '5m', '1h', '24h', '7d') then
    raise exception 'unknown timer' using errcode = '22023';
  end if;
  if not public.conversation_visible(p_conversation) then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  update public.conversations set timer = p_timer where id = p_conversation;
  return p_timer;
end
$$;

create or replace function public.send_message(p_conversation uuid, p_body text, p_media uuid) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
  my_state text;
  media_kind text;
  msg uuid;
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  select m.state into my_state from public.conversation_members m
    where m.conversation_id = p_conversation and m.profile_id = me;
  -- Behind the firewall, switched off, or the other side blocked me: the conversation does not exist.
  if my_state is null or my_state = 'left' or not public.conversation_visible(p_conversation)
     or exists (select 1 from public.conversation_members o
                where o.conversation_id = p_conversation and o.profile_id <> me and public.blocked_by(o.profile_id)) then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  if exists (select 1 from public.conversation_members o join public.blocks b on b.blocker_id = me and b.blocked_id = o.profile_id
             where o.conversation_id = p_conversation and o.profile_id <> me) then
    raise exception 'unblock this profile first' using errcode = 'IP403';
  end if;
  if coalesce(length(p_body), 0) = 0 and p_media is null then
    raise exception 'a message needs a body or media' using errcode = '22023';
  end if;
  if p_media is not null then
    select case split_part(o.content_type, '/', 1) when 'image' then 'image' when 'audio' then 'audio'
                when 'video' then 'video' end
      into media_kind
      from public.media_objects o where o.id = p_media and o.owner_id = me and o.status = 'ready';
    if media_kind is null then
      raise exception 'media must be your own uploaded image, audio or video' using errcode = '22023';
    end if;
  end if;
  -- Serialise senders per conversation and stamp after the lock: created_at then follows commit order, so
  -- catch-up by (created_at, id) cursor never skips a message committed late.
  perform pg_advisory_xact_lock(hashtextextended('conversation:' || p_conversation::text, 0));
  insert into public.messages (conversation_id, sender_id, kind, body, media_id, created_at)
    values (p_conversation, me, coalesce(media_kind, 'text'), coalesce(p_body, ''), p_media, clock_timestamp())
    returning id into msg;
  -- Replying answers a request; the sender has read their own message.
  update public.conversation_members m set state = 'active', last_read_at = clock_timestamp()
    where m.conversation_id = p_conversation and m.profile_id = me;
  return msg;
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Handles: a handle, once released (renamed away, account deleted), is never issued again. So "taken" for a
-- handle the caller once saw means: visible, hidden from the caller, switched off, renamed away or deleted —
-- the same 409 for all, and a hidden persona reads like a gone one. Only a digest is kept.
-- ---------------------------------------------------------------------------------------------------------

create table public.retired_handles (
  handle_digest text primary key,
  retired_at timestamptz not null default date_trunc('day', now())
);
alter table public.retired_handles enable row level security;
revoke all on public.retired_handles from anon, authenticated;

create function public.handle_digest(h text) returns text
language sql immutable
set search_path = ''
as $$ select encode(sha256(convert_to(h, 'UTF8')), 'hex') $$;

create function public.retire_handle() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' or old.handle is distinct from new.handle then
    insert into public.retired_handles (handle_digest) values (public.handle_digest(old.handle)) on conflict do nothing;
  end if;
  return null;
end
$$;
create trigger profiles_retire_handle after update of handle or delete on public.profiles
  for each row execute function public.retire_handle();

create function public.refuse_retired_handle() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if (tg_op = 'INSERT' or old.handle is distinct from new.handle)
     and exists (select 1 from public.retired_handles r where r.handle_digest = public.handle_digest(new.handle)) then
    raise exception 'duplicate key value violates unique constraint "profiles_handle_key"'
      using errcode = '23505', constraint = 'profiles_handle_key';
  end if;
  return new;
end
$$;
create trigger profiles_refuse_retired_handle before insert or update of handle on public.profiles
  for each row execute function public.refuse_retired_handle();

create or replace function public.random_handle(prefix text) returns text
language plpgsql volatile
set search_path = ''
as $$
declare
  adjectives text[] := array['velvet','silent','lunar','amber','misty','wild','hidden','golden','quiet','crimson','azure','secret','dreamy','stellar','shy','brave'];
  nouns text[] := array['fox','moth','tide','ember','raven','lotus','comet','willow','lynx','echo','ivy','nova','otter','sable','wren','atlas'];
  candidate text;
begin
  loop
    candidate := prefix
      || adjectives[1 + floor(random() * array_length(adjectives, 1))::int] || '_'
      || nouns[1 + floor(random() * array_length(nouns, 1))::int]
      || lpad(floor(random() * 100000)::int::text, 5, '0');
    exit when not exists (select 1 from public.profiles where handle = candidate)
      and not exists (select 1 from public.retired_handles r where r.handle_digest = public.handle_digest(candidate));
  end loop;
  return candidate;
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Fraud facts per persona: the tip-loop and self-funding facts count spending personas, never the account
-- behind them, so no answer to one persona depends on what the other persona did. p_sender defaults to the
-- caller's active persona (for SQL callers such as send_tip).
-- ---------------------------------------------------------------------------------------------------------

drop function public.fraud_spend_facts(uuid, uuid, bigint, text, timestamptz);
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
-- Tokens name the active persona only: shadow_profile_id is present only while the shadow is active (where it
-- equals persona_id), so a real-persona token no longer carries the shadow's id.
-- ---------------------------------------------------------------------------------------------------------

create or replace function public.custom_access_token_hook(event jsonb) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  claims jsonb := coalesce(event -> 'claims', '{}'::jsonb);
  uid uuid := (event ->> 'user_id')::uuid;
  sid uuid := nullif(claims ->> 'session_id', '')::uuid;
  active text;
  active_id uuid;
  creator boolean;
  age_ok boolean;
begin
  select s.persona into active from public.session_state s where s.session_id = sid and s.user_id = uid;
  active := coalesce(active, 'real');
  select l.profile_id into active_id from public.persona_links l where l.user_id = uid and l.kind = active;
  select p.is_creator into creator from public.profiles p where p.id = active_id;
  select a.age_verified_at is not null into age_ok from public.accounts a where a.user_id = uid;
  claims := (claims - 'shadow_profile_id') || jsonb_build_object(
    'persona', active,
    'persona_id', active_id,
    'is_creator', coalesce(creator, false),
    'age_verified', coalesce(age_ok, false)
  );
  if active = 'shadow' then claims := claims || jsonb_build_object('shadow_profile_id', active_id); end if;
  return jsonb_build_object('claims', claims);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- A conversation deleted as a whole (account deletion) tells the remaining members' devices to drop its
-- messages. The members are read before the rows go (afterwards no RLS re-read can find them); the bus carries
-- ids only, in chunks that fit a NOTIFY payload.
-- ---------------------------------------------------------------------------------------------------------

create function public.broadcast_conversation_deletion() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  recipients uuid[];
  chunk record;
begin
  select coalesce(array_agg(m.profile_id), '{}') into recipients from public.conversation_members m
   where m.conversation_id = old.id and m.state in ('active', 'request')
     and exists (select 1 from public.profiles p where p.id = m.profile_id and p.status <> 'deleted');
  if cardinality(recipients) = 0 then return old; end if;
  for chunk in
    select array_agg(g.id) as ids
    from (select x.id, (row_number() over (order by x.id) - 1) / 100 as part
          from public.messages x where x.conversation_id = old.id) g
    group by g.part
  loop
    perform pg_notify('ipelya_realtime', json_build_object(
      'topic', 'conversation_deleted', 'conversation_id', old.id, 'recipients', recipients, 'ids', chunk.ids)::text);
  end loop;
  return old;
end
$$;
create trigger conversations_deleted_broadcast before delete on public.conversations
  for each row execute function public.broadcast_conversation_deletion();
