create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  recipient_id uuid not null references public.profiles (id) on delete cascade,
  kind text not null check (kind in ('new_follower', 'new_post', 'screenshot')),
  actor_id uuid references public.profiles (id) on delete cascade,
  post_id uuid references public.posts (id) on delete cascade,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  -- Screenshot notices name the conversation they happened in, so a chat can show its own banner; a hidden
  -- persona (blocked, behind the firewall) cannot be reported on. The column cascades: when a conversation is
  -- deleted (account deletion) its notices go with it.
  conversation_id uuid references public.conversations (id) on delete cascade
);
create index notifications_recipient_idx on public.notifications (recipient_id, created_at desc, id desc);
alter table public.notifications enable row level security;
revoke all on public.notifications from anon;
revoke insert, update, delete on public.notifications from authenticated;
grant update (read_at) on public.notifications to authenticated;
create index notifications_conversation_idx on public.notifications (conversation_id) where conversation_id is not null;
-- The shadow-cache cleaner deletes the notifications an off persona caused.
create index notifications_actor_idx on public.notifications (actor_id) where actor_id is not null;
