create policy "Active profiles are visible to everyone" on public.profiles
  for select to anon, authenticated
  using (
    id = (select public.current_persona_id())
    or (
      status = 'active'
      and (kind = 'real' or (select auth.uid()) is not null)
      and ((select public.current_persona_id()) is null or not public.is_blocked_by(id))
      and (kind = 'real' or not public.is_firewall_hidden(id))
    )
  );

create policy "A persona can edit its own profile" on public.profiles
  for update to authenticated
  using (id = (select public.current_persona_id()))
  with check (id = (select public.current_persona_id()));
