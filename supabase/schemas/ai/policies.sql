create policy "Owners see their AI logs" on public.ai_logs
  for select to authenticated using (user_id = (select auth.uid()));
