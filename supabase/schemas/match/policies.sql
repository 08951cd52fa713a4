create policy "Owners see their own vectors" on public.profile_vectors
  for select to authenticated using (profile_id = (select public.current_persona_id()));
