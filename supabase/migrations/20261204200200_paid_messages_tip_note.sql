-- Paid messages through the API, and the tip note in the tip's idempotency fingerprint (issue 8, part 2).

-- A creator persona sends a message that stays locked until the recipient pays price_coins (unlock_message).
-- send_message does every other check (membership, blocks, media, ordering); the price is set in the same
-- transaction, so no reader ever sees the message unpriced.
-- Who may price a message and for how much; shared by the plain and the sealed (no-trace) paid send.
create function public.assert_may_send_paid_message(p_price bigint) returns void
language plpgsql stable security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if p_price is null or p_price < 1 or p_price > 1000000 then
    raise exception 'price_coins must be between 1 and 1000000' using errcode = '22023';
  end if;
  if not exists (select 1 from public.profiles p where p.id = me and p.is_creator and p.status = 'active') then
    raise exception 'only creators can send paid messages' using errcode = '42501';
  end if;
end
$$;
revoke execute on function public.assert_may_send_paid_message(bigint) from public, anon;

create function public.send_paid_message(p_conversation uuid, p_body text, p_media uuid, p_price bigint) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  msg uuid;
begin
  perform public.assert_may_send_paid_message(p_price);
  msg := public.send_message(p_conversation, p_body, p_media);
  update public.messages set price_coins = p_price where id = msg;
  return msg;
end
$$;
revoke execute on function public.send_paid_message(uuid, text, uuid, bigint) from public, anon;

-- Same as 003300, except the note is part of what an Idempotency-Key stands for: the same key with another
-- note is a different request (409), not a replay that silently drops the new note. An empty note keeps the
-- fingerprint tips had before, so a retry across this migration still replays.
create or replace function public.send_tip(p_creator uuid, p_amount bigint, p_note text, p_idempotency_key text)
returns table (tip_id uuid, transaction_id uuid, replayed boolean)
language plpgsql security definer
set search_path = ''
as $$
declare
  sender uuid := public.current_persona_id();
  res record;
  tip uuid;
  note text := coalesce(p_note, '');
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
    jsonb_build_object('target', case when note = '' then 'tip' else 'tip:' || md5(note) end));
  if res.replayed then
    select t.id into tip from public.tips t where t.ledger_transaction_id = res.transaction_id;
  else
    insert into public.tips (sender_id, creator_id, amount_coins, note, ledger_transaction_id)
      values (sender, p_creator, p_amount, note, res.transaction_id) returning id into tip;
  end if;
  return query select tip, res.transaction_id, res.replayed;
end
$$;
