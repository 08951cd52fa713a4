-- No-trace messaging. Conversations are between personas of one kind; messages may expire.
create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('real', 'shadow')),
  ttl_seconds int check (ttl_seconds is null or ttl_seconds > 0),
  created_at timestamptz not null default now(),
  -- One 1:1 conversation per pair of personas: the sorted pair is the key, so concurrent starts converge.
  direct_key text unique,
  -- No-trace: the per-conversation self-destruct timer of new messages.
  timer text not null default 'off' check (timer in ('off', '30s_after_read', '5m', '1h', '24h', '7d'))
);
alter table public.conversations enable row level security;
revoke all on public.conversations from anon;
revoke insert, update, delete on public.conversations from authenticated;

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
revoke all on public.conversation_members from anon;
revoke insert, update, delete on public.conversation_members from authenticated;

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  sender_id uuid not null references public.profiles (id) on delete cascade,
  kind text not null default 'text' check (kind in ('text', 'image', 'audio', 'video')),
  body text not null default '' check (length(body) <= 4000),
  media_id uuid references public.media_objects (id) on delete set null,
  view_once boolean not null default false,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  -- Paid messages: a creator sets a price; the recipient pays once to read.
  price_coins bigint check (price_coins is null or price_coins > 0),
  -- The message expires this long after the recipient reads it (expires_at stays null until then).
  read_ttl_seconds int check (read_ttl_seconds is null or read_ttl_seconds > 0),
  opened_at timestamptz,
  -- Sealed no-trace content (decision 015). Bodies of timed, read-timer and view-once messages are stored as
  -- AES-256-GCM ciphertext (body_sealed), encrypted by the server before the insert with a data key that
  -- lives outside the database (a key directory, or AWS KMS-wrapped keys in the object store). Their media
  -- must be uploaded sealed (media_objects.key_id). The database keeps only key ids: sealing_keys says which
  -- keys may be destroyed, and the purge destroys them, which makes every leftover copy (heap, WAL, backups)
  -- unreadable.
  --
  -- Key ids: 'w-<unix seconds>' = the key of the hour window starting then (timed messages whose expires_at
  -- falls in it); 'k-<uuid>' = the key of one object (a view-once or read-timer body, one sealed media file).
  body_sealed bytea,
  key_id text
);
create index messages_conversation_idx on public.messages (conversation_id, created_at desc);
create index messages_expiry_idx on public.messages (expires_at) where expires_at is not null;
alter table public.messages enable row level security;
revoke all on public.messages from anon;
revoke update on public.messages from authenticated;
revoke insert on public.messages from authenticated;
create index messages_opened_idx on public.messages (opened_at) where opened_at is not null;
create index messages_media_idx on public.messages (media_id) where media_id is not null;
-- start_read_timers runs on every read marker move; only unread "30 s after read" messages concern it.
create index messages_pending_read_timer_idx on public.messages (conversation_id, created_at)
  where read_ttl_seconds is not null and expires_at is null;
-- Deleting cascades through these; without an index each cascade scans the table.
create index messages_sender_idx on public.messages (sender_id);
create index messages_key_idx on public.messages (key_id) where key_id is not null;

create table public.message_unlocks (
  message_id uuid not null references public.messages (id) on delete cascade,
  buyer_id uuid not null references public.profiles (id) on delete cascade,
  ledger_transaction_id uuid not null references public.ledger_transactions (id),
  created_at timestamptz not null default now(),
  primary key (message_id, buyer_id)
);
alter table public.message_unlocks enable row level security;
revoke all on public.message_unlocks from anon;
revoke insert, update, delete on public.message_unlocks from authenticated;
create index message_unlocks_buyer_idx on public.message_unlocks (buyer_id);

-- Anti-screenshot log: the mobile app reports screenshots of sensitive screens; the owner of what was
-- captured is notified live ("X took a screenshot"), and a creator may choose to blur further previews for
-- that viewer. Events name personas only: never a user id, never the taker's other persona.
create table public.screenshot_events (
  id uuid primary key default gen_random_uuid(),
  taker_id uuid not null references public.profiles (id) on delete cascade,
  context text not null check (context in ('post', 'profile', 'chat')),
  target_id uuid not null,
  -- one row per notified owner (a chat has one row per other member)
  owner_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now()
);
create index screenshot_events_taker_idx on public.screenshot_events (taker_id, created_at desc);
create index screenshot_events_owner_taker_idx on public.screenshot_events (owner_id, taker_id);
alter table public.screenshot_events enable row level security;
revoke all on public.screenshot_events from anon;
revoke insert, update, delete on public.screenshot_events from authenticated;

-- Keys that exist in the key provider. released_at: from then on the key may be destroyed once no message or
-- media row references it (a window key: its hour plus 5 minutes' slack; an object key: when its row goes).
create table public.sealing_keys (
  id text primary key check (id ~ '^(w-[0-9]{1,12}|k-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$'),
  released_at timestamptz,
  created_at timestamptz not null default now()
);
create index sealing_keys_released_idx on public.sealing_keys (released_at) where released_at is not null;
alter table public.sealing_keys enable row level security;
revoke all on public.sealing_keys from anon, authenticated;
