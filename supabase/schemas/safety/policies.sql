create policy "Reporters file reports as themselves" on public.reports
  for insert to authenticated
  with check (reporter_user_id = (select auth.uid()) and reporter_profile_id = (select public.current_persona_id()));

create policy "Reporters see only their own reports" on public.reports
  for select to authenticated using (reporter_user_id = (select auth.uid()));

create policy "Blockers see their blocks" on public.blocks
  for select to authenticated using (blocker_id = (select public.current_persona_id()));

create policy "Blockers block as themselves" on public.blocks
  for insert to authenticated with check (blocker_id = (select public.current_persona_id()));

create policy "Blockers lift their blocks" on public.blocks
  for delete to authenticated using (blocker_id = (select public.current_persona_id()));
