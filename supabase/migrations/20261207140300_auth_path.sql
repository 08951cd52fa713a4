-- Issue 10: the authenticated request path caches the session check (decision 024); ended sessions are
-- announced on ipelya_session_ended so every process forgets them at once.
-- Ended sessions (logout, revoke, refresh-token reuse, account deletion, expiry purge, Supabase Auth's own
-- deletes) are announced after commit, so every API process forgets its cached "still signed in" answer at once
-- (apps/server/src/auth/session-gate.ts, decision 024). Past 100 ids the payload is '*' (forget everything):
-- NOTIFY payloads stop at 8000 bytes.
create function public.announce_ended_sessions() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  ids text[];
begin
  select array_agg(e.id::text) into ids from (select o.id from ended o limit 101) e;
  if ids is not null then
    perform pg_notify('ipelya_session_ended', case when cardinality(ids) > 100 then '*' else to_json(ids)::text end);
  end if;
  return null;
end
$$;
revoke execute on function public.announce_ended_sessions() from public, anon, authenticated;

create trigger on_auth_sessions_ended after delete on auth.sessions
  referencing old table as ended
  for each statement execute function public.announce_ended_sessions();
