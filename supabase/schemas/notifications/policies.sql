create policy "Recipients see their notifications" on public.notifications
  for select to authenticated
  using (recipient_id = (select public.current_persona_id())
         and (actor_id is null or exists (select 1 from public.profiles a where a.id = actor_id)));

create policy "Recipients mark their notifications read" on public.notifications
  for update to authenticated using (recipient_id = (select public.current_persona_id()))
  with check (recipient_id = (select public.current_persona_id()));
