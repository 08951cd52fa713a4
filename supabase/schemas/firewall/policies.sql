create policy "Owners see their contact hashes" on public.contact_hashes
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Owners delete their contact hashes" on public.contact_hashes
  for delete to authenticated using (user_id = (select auth.uid()));
