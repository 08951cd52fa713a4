-- Candidate-first list reads (decision 021). Profile search matches prefixes with starts_with(), which is
-- leakproof, on a stored lowercase display name and the handle, so the matches come from these indexes before
-- the profiles policy runs (like and lower() are not leakproof: they ran after the policy, on every profile).
alter table public.profiles add column search_name text generated always as (lower(display_name)) stored;
create index profiles_handle_prefix_idx on public.profiles (handle text_pattern_ops) where status = 'active';
create index profiles_search_name_prefix_idx on public.profiles (search_name text_pattern_ops) where status = 'active';
