create policy "Owners see their ledger accounts" on public.ledger_accounts
  for select to authenticated
  using (user_id = (select auth.uid()) or profile_id = (select public.current_persona_id()));

create policy "Active coin packages are public" on public.coin_packages
  for select to anon, authenticated using (active);

create policy "Buyers see their purchases" on public.coin_purchases
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Economy settings are public" on public.economy_settings for select to anon, authenticated using (true);

create policy "Creators see their earnings" on public.creator_earnings
  for select to authenticated using (creator_id = (select public.current_persona_id()));

create policy "Sender and creator see a tip" on public.tips
  for select to authenticated
  using (sender_id = (select public.current_persona_id()) or creator_id = (select public.current_persona_id()));

create policy "Owners see their entries, per persona" on public.ledger_entries
  for select to authenticated using (public.can_see_ledger_entry(account_id, transaction_id));

create policy "Owners see their transactions, per persona" on public.ledger_transactions
  for select to authenticated
  using (exists (select 1 from public.ledger_entries e where e.transaction_id = ledger_transactions.id
                 and public.can_see_ledger_entry(e.account_id, e.transaction_id)));

create policy "Buyers see their purchase history" on public.coin_purchase_events
  for select to authenticated
  using (exists (select 1 from public.coin_purchases p where p.id = purchase_id and p.user_id = (select auth.uid())));

create policy "Creators see their own payout account" on public.payout_accounts
  for select to authenticated using (creator_id = (select public.current_persona_id()));

create policy "Creators see their own payouts" on public.payouts
  for select to authenticated using (creator_id = (select public.current_persona_id()));

create policy "Creators see the history of their payouts" on public.payout_events
  for select to authenticated
  using (exists (select 1 from public.payouts p where p.id = payout_id and p.creator_id = (select public.current_persona_id())));

create policy "Admins see every coin package" on public.coin_packages
  for select to authenticated using ((select public.is_admin()));

create policy "Admins add coin packages" on public.coin_packages
  for insert to authenticated with check ((select public.is_admin()));

create policy "Admins change coin packages" on public.coin_packages
  for update to authenticated using ((select public.is_admin())) with check ((select public.is_admin()));

create policy "The purchase lifecycle is public" on public.coin_purchase_transitions
  for select to anon, authenticated using (true);

create policy "Staff see reconciliation items" on public.reconciliation_items
  for select to authenticated using ((select public.is_admin()));
