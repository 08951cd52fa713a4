-- Keyed hashes (HMAC) of address-book phone numbers and emails, for the social firewall. Never raw values.
create table public.contact_hashes (
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null check (kind in ('phone', 'email')),
  hash text not null check (length(hash) between 32 and 128),
  created_at timestamptz not null default now(),
  primary key (user_id, kind, hash)
);
alter table public.contact_hashes enable row level security;
revoke all on public.contact_hashes from anon;
-- Uploaded contacts: the owner may list and delete them; adding goes through upload_contact_hashes (limits).
create index contact_hashes_hash_idx on public.contact_hashes (kind, hash);
revoke insert, update on public.contact_hashes from authenticated;

-- Social firewall: a user's shadow persona stays invisible to the people in their address book (either
-- direction) and to people seen on the same network recently. Blocks and the firewall are enforced here, in
-- row-level security and in the guarded functions, so every reader (API, realtime, PostgREST on Supabase)
-- gets the same answer.
--
-- Only keyed hashes are stored: the app hashes address-book entries with a per-deployment key
-- (contactHash in @ipelya/contracts), the server keys them again with a secret it never stores here, and
-- hashes users' own verified phone/email the same way. Network fingerprints are keyed hashes of the /24
-- (IPv4) or /64 (IPv6) prefix and expire after the configured window.

-- A user's own verified identifiers, keyed. Written by the server; nobody reads them but the firewall.
create table public.identity_hashes (
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null check (kind in ('phone', 'email')),
  hash text not null check (length(hash) = 64),
  updated_at timestamptz not null default now(),
  primary key (user_id, kind)
);
create index identity_hashes_hash_idx on public.identity_hashes (kind, hash);
alter table public.identity_hashes enable row level security;
revoke all on public.identity_hashes from anon, authenticated;

create table public.network_sightings (
  user_id uuid not null references auth.users (id) on delete cascade,
  fingerprint text not null check (length(fingerprint) = 64),
  expires_at timestamptz not null,
  -- A shared network only keeps strangers from being suggested to each other (similar_creators), after a
  -- delay (effective_at = first seen + FIREWALL_NETWORK_DELAY_HOURS), and never for a persona the viewer has
  -- reached (a follow either way or a conversation). Profiles, search, posts, conversations … ignore networks.
  effective_at timestamptz not null default now(),
  primary key (user_id, fingerprint)
);
create index network_sightings_fingerprint_idx on public.network_sightings (fingerprint, expires_at);
create index network_sightings_expiry_idx on public.network_sightings (expires_at);
alter table public.network_sightings enable row level security;
revoke all on public.network_sightings from anon, authenticated;
