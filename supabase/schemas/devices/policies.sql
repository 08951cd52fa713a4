create policy "Owners can see their devices" on public.devices
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Owners can register their devices" on public.devices
  for insert to authenticated with check (user_id = (select auth.uid()));

create policy "Owners can update their devices" on public.devices
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

create policy "Owners can remove their devices" on public.devices
  for delete to authenticated using (user_id = (select auth.uid()));
