-- media_objects
-- Rows are created and marked ready by the storage service after it has checked the bytes.
create policy "Owners see their media" on public.media_objects
  for select to authenticated using (owner_id = (select public.current_persona_id()));

create policy "Owners delete their media" on public.media_objects
  for delete to authenticated using (owner_id = (select public.current_persona_id()));

create policy "Entitled viewers can see media" on public.media_objects
  for select to anon, authenticated using (public.can_access_media(id));

create policy "Media of a switched-off persona is hidden" on public.media_objects
  as restrictive for select to authenticated
  using (owner_id = (select public.current_persona_id()) or not public.is_persona_off(owner_id));
