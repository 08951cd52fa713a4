-- Realtime fan-out in one call per event for all members, and the unsealed send path in one statement (decision 023).

/*
 * Realtime fan-out: who of a conversation's members receives an event, and what RLS lets each of them see, in
 * one call for all members (the dispatcher used to re-read the row once per socket). For each member the
 * function takes the member's own claims (persona id + account) and evaluates the very predicates the select
 * policies call, so blocks, the firewall, a switched-off side, a left member and expiry decide as under RLS:
 * - receives: the member's own conversation_members row is visible to them (policies "Members see the member
 *   list" + "Members of hidden conversations are hidden") and they are active or a pending request;
 * - message_visible / message_locked: p_message as "Members read unexpired messages" + "Messages of hidden
 *   conversations are hidden" show it, and whether it is still sealed for them (paid, not theirs, not bought);
 * - read_visible: p_reader's read state, which a member who blocked them never shows.
 * The caller's claims are restored before it returns. realtime-fanout.test.ts holds the policy list this
 * mirrors: a new select policy on these tables fails it until it is added here.
 */
create function public.realtime_conversation_fanout(p_conversation uuid, p_message uuid, p_reader uuid)
returns table (recipient_id uuid, message_visible boolean, message_locked boolean, read_visible boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  outer_claims text := current_setting('request.jwt.claims', true);
  outer_sub text := current_setting('request.jwt.claim.sub', true);
  msg record;
  r record;
begin
  select m.sender_id, m.expires_at, m.price_coins into msg
    from public.messages m where m.id = p_message and m.conversation_id = p_conversation;
  for r in select cm.profile_id, l.user_id from public.conversation_members cm
             join public.persona_links l on l.profile_id = cm.profile_id
            where cm.conversation_id = p_conversation and cm.state in ('active', 'request')
  loop
    perform set_config('request.jwt.claims',
      json_build_object('sub', r.user_id, 'role', 'authenticated', 'persona_id', r.profile_id)::text, true);
    perform set_config('request.jwt.claim.sub', r.user_id::text, true);
    if public.is_conversation_member(p_conversation) and not public.has_conversation_off_member(p_conversation) then
      recipient_id := r.profile_id;
      message_visible := msg.sender_id is not null and (msg.expires_at is null or msg.expires_at > now());
      message_locked := message_visible and msg.price_coins is not null and msg.sender_id <> r.profile_id
        and not exists (select 1 from public.message_unlocks u where u.message_id = p_message and u.buyer_id = r.profile_id);
      read_visible := p_reader is not null and not public.is_blocked_by(p_reader);
      return next;
    end if;
  end loop;
  perform set_config('request.jwt.claims', coalesce(outer_claims, ''), true);
  perform set_config('request.jwt.claim.sub', coalesce(outer_sub, ''), true);
end
$$;
revoke execute on function public.realtime_conversation_fanout(uuid, uuid, uuid) from public, anon, authenticated;
grant execute on function public.realtime_conversation_fanout(uuid, uuid, uuid) to service_role;

/*
 * The send path in one statement for messages that are not no-trace: the sealing plan (which locks the
 * conversation's timer until commit), the send (send_message, or send_paid_message for a price) and the stored
 * row as the sender reads it. A message that must be sealed is not sent: the row says sealed (and the window
 * key) and the server seals the body and calls send_sealed_message in the same transaction. The functions it
 * calls check the caller from the JWT claims as always; the row is read back without re-evaluating RLS (security
 * definer), since send_message has just checked that the sender may see and write this conversation.
 */
create function public.send_message_unless_sealed(p_conversation uuid, p_body text, p_media uuid,
                                                  p_view_once boolean, p_price bigint)
returns table (sealed boolean, window_key text, id uuid, conversation_id uuid, sender_id uuid, kind text,
               body text, media_id uuid, price_coins bigint, created_at timestamptz, expires_at timestamptz,
               view_once boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  plan record;
  msg uuid;
begin
  select s.sealed, s.window_key into plan from public.message_sealing(p_conversation, p_view_once) s;
  if plan.sealed then
    return query select true, plan.window_key, null::uuid, null::uuid, null::uuid, null::text, null::text,
      null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::boolean;
    return;
  end if;
  if p_price is not null then
    msg := public.send_paid_message(p_conversation, p_body, p_media, p_price);
  else
    msg := public.send_message(p_conversation, p_body, p_media);
  end if;
  return query select false, null::text, m.id, m.conversation_id, m.sender_id, m.kind, m.body, m.media_id,
    m.price_coins, m.created_at, m.expires_at, m.view_once
    from public.messages m where m.id = msg;
end
$$;
revoke execute on function public.send_message_unless_sealed(uuid, text, uuid, boolean, bigint) from public, anon;
grant execute on function public.send_message_unless_sealed(uuid, text, uuid, boolean, bigint) to authenticated;

-- The sender's own read marker moves with every message (send_message): the message event names the sender as
-- reader and the read event of that update is left out, so one fan-out delivers both frames (decision 023).
create or replace function public.broadcast_message() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform set_config('ipelya.read_announced', new.conversation_id::text || ':' || new.sender_id::text, true);
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'message', 'conversation_id', new.conversation_id,
    'id', new.id, 'reader_id', new.sender_id)::text);
  return null;
end
$$;

create or replace function public.broadcast_read() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if current_setting('ipelya.read_announced', true) = new.conversation_id::text || ':' || new.profile_id::text then
    perform set_config('ipelya.read_announced', '', true);
    return null;
  end if;
  perform pg_notify('ipelya_realtime', json_build_object('topic', 'read', 'conversation_id', new.conversation_id, 'profile_id', new.profile_id)::text);
  return null;
end
$$;
