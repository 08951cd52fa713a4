-- A paid message in a no-trace conversation (timer or read timer): the same rules as send_paid_message
-- (20261204200200), but the body arrives sealed (20261204400000), so it goes through send_sealed_message and is
-- priced in the same transaction. Never view-once: the API refuses a priced view-once message.
create function public.send_sealed_paid_message(p_conversation uuid, p_sealed bytea, p_key_id text, p_media uuid,
                                                p_price bigint) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
  msg uuid;
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  if p_price is null or p_price < 1 or p_price > 1000000 then
    raise exception 'price_coins must be between 1 and 1000000' using errcode = '22023';
  end if;
  if not exists (select 1 from public.profiles p where p.id = me and p.is_creator and p.status = 'active') then
    raise exception 'only creators can send paid messages' using errcode = '42501';
  end if;
  msg := public.send_sealed_message(p_conversation, p_sealed, p_key_id, p_media, false);
  update public.messages set price_coins = p_price where id = msg;
  return msg;
end
$$;
revoke execute on function public.send_sealed_paid_message(uuid, bytea, text, uuid, bigint) from public, anon;
grant execute on function public.send_sealed_paid_message(uuid, bytea, text, uuid, bigint) to authenticated;
