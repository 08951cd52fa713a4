-- Admins manage coin packages (decision 012): production has no demo seed, so packages are created, repriced
-- and archived through the API. The database decides who may: RLS policies keyed on public.is_admin()
-- (account-level, never a token claim), and column grants so nobody rewrites a package's id or history.
-- Packages are never deleted: purchases reference them; archiving (active = false) takes one off sale.

-- Prices are {"USD": 199, "TRY": 6999}: ISO currency codes to positive whole minor units.
create function public.coin_prices_valid(p jsonb) returns boolean
language sql immutable
set search_path = ''
as $$
  select jsonb_typeof(p) = 'object' and not exists (
    select 1 from jsonb_each(p) e
    where e.key !~ '^[A-Z]{3}$' or jsonb_typeof(e.value) <> 'number'
       or (e.value)::text::numeric <= 0 or (e.value)::text::numeric <> trunc((e.value)::text::numeric)
  )
$$;

-- NOT VALID: rows that exist already are left alone; every insert and update from now on is checked.
alter table public.coin_packages
  add constraint coin_packages_prices_valid check (public.coin_prices_valid(prices)) not valid;

create policy "Admins see every coin package" on public.coin_packages
  for select to authenticated using ((select public.is_admin()));
create policy "Admins add coin packages" on public.coin_packages
  for insert to authenticated with check ((select public.is_admin()));
create policy "Admins change coin packages" on public.coin_packages
  for update to authenticated using ((select public.is_admin())) with check ((select public.is_admin()));

grant insert (code, coins, prices, apple_product_id, google_product_id, active) on public.coin_packages
  to authenticated;
grant update (coins, prices, apple_product_id, google_product_id, active) on public.coin_packages
  to authenticated;
