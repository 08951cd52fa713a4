-- Deletion events: when messages disappear (timer expiry, an opened view-once, the sender deleting, account
-- deletion), members' devices drop them at once. One NOTIFY per conversation and 100 ids (NOTIFY payloads are
-- limited to 8000 bytes); the realtime server re-checks membership under each recipient's RLS.
create function public.broadcast_message_deletions() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  chunk record;
begin
  for chunk in
    select g.conversation_id, array_agg(g.id) as ids
    from (select d.conversation_id, d.id, (row_number() over (partition by d.conversation_id order by d.id) - 1) / 100 as part
          from gone d) g
    group by g.conversation_id, g.part
  loop
    perform pg_notify('ipelya_realtime', json_build_object(
      'topic', 'messages_deleted', 'conversation_id', chunk.conversation_id, 'ids', chunk.ids)::text);
  end loop;
  return null;
end
$$;
create trigger messages_deleted_broadcast after delete on public.messages
  referencing old table as gone
  for each statement execute function public.broadcast_message_deletions();
