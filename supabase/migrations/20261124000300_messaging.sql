-- No-trace messaging. Conversations are between personas of one kind; messages may expire.
create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('real', 'shadow')),
  ttl_seconds int check (ttl_seconds is null or ttl_seconds > 0),
  created_at timestamptz not null default now()
);
alter table public.conversations enable row level security;

create table public.conversation_members (
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  profile_id uuid not null references public.profiles (id) on delete cascade,
  state text not null default 'active' check (state in ('active', 'request', 'declined', 'left')),
  last_read_at timestamptz,
  joined_at timestamptz not null default now(),
  primary key (conversation_id, profile_id)
);
create index conversation_members_profile_idx on public.conversation_members (profile_id);
alter table public.conversation_members enable row level security;

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  sender_id uuid not null references public.profiles (id) on delete cascade,
  kind text not null default 'text' check (kind in ('text', 'image', 'audio', 'video')),
  body text not null default '' check (length(body) <= 4000),
  media_id uuid references public.media_objects (id) on delete set null,
  view_once boolean not null default false,
  created_at timestamptz not null default now(),
  expires_at timestamptz
);
create index messages_conversation_idx on public.messages (conversation_id, created_at desc);
create index messages_expiry_idx on public.messages (expires_at) where expires_at is not null;
alter table public.messages enable row level security;

create function public.is_conversation_member(target uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.conversation_members m
                 where m.conversation_id = target and m.profile_id = public.current_persona_id() and m.state <> 'left')
$$;

create policy "Members see their conversations" on public.conversations
  for select to authenticated using (public.is_conversation_member(id));
create policy "Members see the member list" on public.conversation_members
  for select to authenticated using (public.is_conversation_member(conversation_id));
create policy "Members update their own membership" on public.conversation_members
  for update to authenticated using (profile_id = (select public.current_persona_id()))
  with check (profile_id = (select public.current_persona_id()));
create policy "Members read unexpired messages" on public.messages
  for select to authenticated
  using (public.is_conversation_member(conversation_id) and (expires_at is null or expires_at > now()));
create policy "Members send as themselves" on public.messages
  for insert to authenticated
  with check (sender_id = (select public.current_persona_id()) and public.is_conversation_member(conversation_id));
create policy "Senders delete their own messages" on public.messages
  for delete to authenticated using (sender_id = (select public.current_persona_id()));
revoke all on public.conversations, public.conversation_members, public.messages from anon;
revoke update on public.messages from authenticated;
