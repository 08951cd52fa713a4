-- SQL function bodies name functions of other domains, which may come later in schema_paths; they are
-- checked when called, not when created.
set local check_function_bodies = off;

-- The active persona of this request, from the verified JWT. Everything persona-scoped keys off this.
create function public.current_persona_id() returns uuid
language sql stable
set search_path = ''
as $$ select nullif(auth.jwt() ->> 'persona_id', '')::uuid $$;

create function public.current_persona() returns text
language sql stable
set search_path = ''
as $$ select coalesce(auth.jwt() ->> 'persona', 'real') $$;

-- Every new auth user gets an account row and two personas.
create function public.handle_new_user() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  real_id uuid := gen_random_uuid();
  shadow_id uuid := gen_random_uuid();
begin
  insert into public.accounts (user_id) values (new.id);
  insert into public.profiles (id, kind, handle, display_name)
    values (real_id, 'real', public.random_handle('u_'), 'İpelya user');
  insert into public.profiles (id, kind, handle, display_name)
    values (shadow_id, 'shadow', public.random_handle(''), 'Shadow');
  insert into public.persona_links (profile_id, user_id, kind) values (real_id, new.id, 'real'), (shadow_id, new.id, 'shadow');
  return new;
end
$$;

create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.handle_new_user();

-- Supabase Auth calls this before issuing every access token (config.toml: [auth.hook.custom_access_token]);
-- the embedded auth server calls it the same way. Tokens name the active persona only: shadow_profile_id is
-- present only while the shadow is active (where it equals persona_id), so a real-persona token never carries
-- the shadow's id.
create function public.custom_access_token_hook(p_event jsonb) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  claims jsonb := coalesce(p_event -> 'claims', '{}'::jsonb);
  uid uuid := (p_event ->> 'user_id')::uuid;
  sid uuid := nullif(claims ->> 'session_id', '')::uuid;
  active text;
  active_id uuid;
  creator boolean;
  age_ok boolean;
begin
  select s.persona into active from public.session_state s where s.session_id = sid and s.user_id = uid;
  active := coalesce(active, 'real');
  select l.profile_id into active_id from public.persona_links l where l.user_id = uid and l.kind = active;
  select p.is_creator into creator from public.profiles p where p.id = active_id;
  select a.age_verified_at is not null into age_ok from public.accounts a where a.user_id = uid;
  claims := (claims - 'shadow_profile_id') || jsonb_build_object(
    'persona', active,
    'persona_id', active_id,
    'is_creator', coalesce(creator, false),
    'age_verified', coalesce(age_ok, false)
  );
  if active = 'shadow' then claims := claims || jsonb_build_object('shadow_profile_id', active_id); end if;
  return jsonb_build_object('claims', claims);
end
$$;
revoke execute on function public.custom_access_token_hook(jsonb) from public, anon, authenticated;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin, service_role;

-- Switch the calling session to the other persona; the caller then refreshes its token. Switching into a
-- shadow that is off is refused.
create function public.switch_persona(p_target text) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  sid uuid := nullif(auth.jwt() ->> 'session_id', '')::uuid;
begin
  if uid is null or sid is null then raise exception 'not signed in' using errcode = '28000'; end if;
  if p_target not in ('real', 'shadow') then raise exception 'persona must be real or shadow' using errcode = '22023'; end if;
  if p_target = 'shadow' then
    -- Shares the lock set_shadow_active updates under: a concurrent switch-off either waits for this session
    -- to be recorded (and then moves it back to real) or wins and is seen here.
    perform 1 from public.persona_links l join public.profiles p on p.id = l.profile_id
     where l.user_id = uid and l.kind = 'shadow' and p.status = 'active' for share of p;
    if not found then
      raise exception 'your shadow persona is switched off; switch it on first' using errcode = '42501';
    end if;
  end if;
  insert into public.session_state (session_id, user_id, persona) values (sid, uid, p_target)
    on conflict (session_id) do update set persona = excluded.persona, updated_at = now()
    where public.session_state.user_id = uid;
  return p_target;
end
$$;
revoke execute on function public.switch_persona(text) from public, anon;

-- Self-declared age gate (an identity-verification provider can set the same column later).
create function public.verify_age(p_birth date) returns boolean
language plpgsql security definer
set search_path = ''
as $$
begin
  if auth.uid() is null then raise exception 'not signed in' using errcode = '28000'; end if;
  if p_birth > (current_date - interval '18 years')::date then
    raise exception 'you must be at least 18 years old' using errcode = '22023';
  end if;
  update public.accounts set birth_date = p_birth, age_verified_at = coalesce(age_verified_at, now())
    where user_id = auth.uid();
  return true;
end
$$;
revoke execute on function public.verify_age(date) from public, anon;

-- Sessions of the caller (GoTrue's auth.sessions on Supabase, the embedded server's otherwise).
create function public.list_my_sessions()
returns table (id uuid, created_at timestamptz, updated_at timestamptz, user_agent text, ip text, device_id uuid, persona text)
language sql stable security definer
set search_path = ''
as $$
  select s.id, s.created_at, s.updated_at, s.user_agent, host(s.ip), st.device_id, coalesce(st.persona, 'real')
  from auth.sessions s
  left join public.session_state st on st.session_id = s.id
  where s.user_id = auth.uid()
  order by s.created_at desc
$$;
revoke execute on function public.list_my_sessions() from public, anon;

create function public.revoke_my_session(p_target uuid) returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  n int;
begin
  delete from auth.sessions where id = p_target and user_id = auth.uid();
  get diagnostics n = row_count;
  delete from public.session_state where session_id = p_target and user_id = auth.uid();
  return n > 0;
end
$$;
revoke execute on function public.revoke_my_session(uuid) from public, anon;

-- Is this session still alive? Revoked sessions stop working before their access token expires.
create function public.is_session_active(p_session uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$ select exists (select 1 from auth.sessions s where s.id = p_session and s.user_id = auth.uid()) $$;
revoke execute on function public.is_session_active(uuid) from public, anon;

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

-- Who is an admin: account-level, never a claim a client could choose.
create function public.is_user_admin(p_user uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$ select coalesce((select a.is_admin from public.accounts a where a.user_id = p_user), false) $$;
revoke execute on function public.is_user_admin(uuid) from public, anon, authenticated;

create function public.is_admin() returns boolean
language sql stable security definer
set search_path = ''
as $$ select public.is_user_admin(auth.uid()) $$;
revoke execute on function public.is_admin() from public, anon;
grant execute on function public.is_admin() to authenticated, service_role;

-- Account deletion, personas step (account/functions.sql has the flow): sessions end now (the API checks
-- is_session_active on every request), and the embedded auth's OTP challenges and rate limits, keyed by address
-- (Supabase Auth has no such tables), go with the account.
create function public.delete_account_personas() returns setof text
language plpgsql security definer
set search_path = ''
as $$
declare
  ctx public.account_deletions := public.account_deletion_context();
  identifiers text[];
begin
  select array_remove(array[
    case when u.email is not null then 'email:' || u.email end,
    case when u.phone is not null then 'phone:' || u.phone end
  ], null) into identifiers from auth.users u where u.id = ctx.user_id;
  delete from auth.refresh_tokens where user_id = ctx.user_id::text;
  delete from auth.sessions where user_id = ctx.user_id;
  if to_regclass('auth.otp_challenges') is not null then
    execute 'delete from auth.otp_challenges where identifier = any ($1)' using identifiers;
  end if;
  if to_regclass('auth.rate_events') is not null then
    execute 'delete from auth.rate_events where key = any ($1)' using identifiers;
  end if;
end
$$;
revoke execute on function public.delete_account_personas() from public, anon;
