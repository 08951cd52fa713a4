-- A paid message in a no-trace conversation (timer or read timer): the same rules as send_paid_message
-- (20261204200200, assert_may_send_paid_message), but the body arrives sealed (20261204400000), so it goes through send_sealed_message and is
-- priced in the same transaction. Never view-once: the API refuses a priced view-once message.
create function public.send_sealed_paid_message(p_conversation uuid, p_sealed bytea, p_key_id text, p_media uuid,
                                                p_price bigint) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  msg uuid;
begin
  perform public.assert_may_send_paid_message(p_price);
  msg := public.send_sealed_message(p_conversation, p_sealed, p_key_id, p_media, false);
  update public.messages set price_coins = p_price where id = msg;
  return msg;
end
$$;
revoke execute on function public.send_sealed_paid_message(uuid, bytea, text, uuid, bigint) from public, anon;
grant execute on function public.send_sealed_paid_message(uuid, bytea, text, uuid, bigint) to authenticated;
