create policy "Owners can see their own persona links" on public.persona_links
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Owners can read their account" on public.accounts
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Owners can see their session state" on public.session_state
  for select to authenticated using (user_id = (select auth.uid()));
