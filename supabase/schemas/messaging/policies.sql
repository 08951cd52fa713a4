create policy "Members see their conversations" on public.conversations
  for select to authenticated using (public.is_conversation_member(id));

create policy "Members see the member list" on public.conversation_members
  for select to authenticated using (public.is_conversation_member(conversation_id));

create policy "Members read unexpired messages" on public.messages
  for select to authenticated
  using (public.is_conversation_member(conversation_id) and (expires_at is null or expires_at > now()));

create policy "Senders delete their own messages" on public.messages
  for delete to authenticated using (sender_id = (select public.current_persona_id()));

create policy "Buyers see their message unlocks" on public.message_unlocks
  for select to authenticated using (buyer_id = (select public.current_persona_id()));

create policy "Takers see their own screenshot events" on public.screenshot_events
  for select to authenticated using (taker_id = (select public.current_persona_id()));

create policy "Owners see screenshots of their content" on public.screenshot_events
  for select to authenticated using (owner_id = (select public.current_persona_id()));

-- Restrictive: they narrow whatever the permissive policies (blocks, firewall …) already allow.
create policy "Conversations with a switched-off persona are hidden" on public.conversations
  as restrictive for select to authenticated using (not public.has_conversation_off_member(id));

create policy "Members of hidden conversations are hidden" on public.conversation_members
  as restrictive for select to authenticated using (not public.has_conversation_off_member(conversation_id));

create policy "Messages of hidden conversations are hidden" on public.messages
  as restrictive for select to authenticated using (not public.has_conversation_off_member(conversation_id));
