/**
 * Insert rate vs purge rate for self-destructing messages, on PGlite and on PostgreSQL. Two purge strategies:
 *
 *  - batched delete: the real `purge_expired_messages(p_as_of, p_batch)` (skip-locked batches, media rows
 *    and purge_queue in the same transaction), run in a loop on the service path like the no-trace job;
 *  - time partitions: a messages-like table partitioned by range on expires_at (hourly), built in the
 *    bench's own `bench_expiry` schema (not a migration), "purged" by dropping expired partitions.
 *
 * Inserts are real sends: `send_message` through `db.asUser(claims, …)` with claims minted by
 * `custom_access_token_hook`, in conversations whose timer is set, so every message gets an expires_at.
 * While inserts run, the purge is paced to delete 10× (BENCH_RATIO) the rows inserted so far from a
 * pre-seeded backlog of already-expired messages; it reports what it deleted, the time it spent inside purge
 * calls, and so its capacity (rows per busy second). The baseline is the same insert load with no purge,
 * measured in the same process, interleaved with the purge slices.
 *
 *   npx tsx bench/expiry/expiry.bench.ts            # PGlite, plus PostgreSQL when a URL is set
 *   TEST_DATABASE_URL=postgresql://… npm run bench:expiry
 *
 * Knobs (env): BENCH_SECONDS per scenario (1.5, split into BENCH_ROUNDS=2 interleaved slices),
 * BENCH_WARMUP_SECONDS (0.5), BENCH_CONCURRENCY insert clients (4), BENCH_CONVERSATIONS live conversations
 * (48), BENCH_BATCHES batch-size sweep (100,500,2000), BENCH_JOB_BATCH the no-trace job's
 * batch, used for the media scenarios (500), BENCH_RATIO required purge/insert ratio (10), BENCH_HISTORY
 * non-expiring messages already in the table (10000), BENCH_PROFILES extra profiles rows (20000: the media path
 * looks profiles up by avatar_media_id), BENCH_MEDIA_SHARE share of the media-scenario backlog
 * that carries a media object (0.2; 0 skips the media scenarios), BENCH_BACKLOG_MARGIN backlog size over
 * the expected need (1.5), BENCH_PARTITIONS expired hourly partitions per drop slice (6), BENCH_TARGETS
 * (pglite,postgres), BENCH_DATABASE_URL or TEST_DATABASE_URL (admin URL; a scratch database is created on
 * it and dropped at the end).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Database, type JwtClaims, pgErrorCode, type Queryable } from '@ipelya/db';
import { scratchDatabase } from '@ipelya/testing';

const num = (name: string, fallback: number, allowZero = false): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero))
    throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
};

const SECONDS = num('BENCH_SECONDS', 1.5);
const ROUNDS = Math.floor(num('BENCH_ROUNDS', 2));
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 0.5);
const CONCURRENCY = Math.floor(num('BENCH_CONCURRENCY', 4));
const CONVERSATIONS = Math.max(CONCURRENCY, Math.floor(num('BENCH_CONVERSATIONS', 48)));
const BATCHES = (process.env.BENCH_BATCHES || '100,500,2000').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n <= 0) throw new Error(`BENCH_BATCHES: bad batch size ${s}`);
  return n;
});
const JOB_BATCH = Math.floor(num('BENCH_JOB_BATCH', 500)); // purgeExpiredMessages() default
const RATIO = num('BENCH_RATIO', 10);
const HISTORY = Math.floor(num('BENCH_HISTORY', 10_000, true));
const PROFILES = Math.floor(num('BENCH_PROFILES', 20_000, true));
const MEDIA_SHARE = num('BENCH_MEDIA_SHARE', 0.2, true);
const MARGIN = num('BENCH_BACKLOG_MARGIN', 1.5);
const PARTITIONS = Math.floor(num('BENCH_PARTITIONS', 6));
const ADMIN_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || '';
const TARGETS = (process.env.BENCH_TARGETS ?? (ADMIN_URL ? 'pglite,postgres' : 'pglite'))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const MIGRATIONS = fileURLToPath(new URL('../../supabase/migrations', import.meta.url));
const SLICE = SECONDS / ROUNDS;
/** Timer of the live conversations: long enough that nothing sent during the bench expires during it. */
const LIVE_TIMER = '1h';
/** Timer of the backlog conversations; backlog rows are created 2–3 h in the past, so they are expired. */
const BACKLOG_TIMER = '5m';

if (MEDIA_SHARE > 1) throw new Error('BENCH_MEDIA_SHARE must be between 0 and 1');

type Person = { userId: string; profileId: string; claims: JwtClaims };
type Conv = { id: string; a: Person; b: Person };
type World = {
  /**
   * Live conversations, the same for both strategies: send_message's read-timer trigger scans the
   * conversation's rows in public.messages, so both strategies pay the same for it.
   */
  live: Conv[];
  /** Backlog conversations with a fixed timer: expired text and images. */
  timed: Conv[];
  /** Backlog conversations with the timer off: opened view-once media. */
  off: Conv[];
};
type Strategy = 'delete' | 'partition';
type Scenario = 'baseline' | 'purge' | 'media' | 'media+index' | 'p-baseline' | 'drop';
type Result = {
  database: string;
  strategy: Strategy;
  scenario: Scenario;
  batch: number | null;
  inserted: number;
  failed: number;
  failures: Record<string, number>;
  seconds: number;
  latencies: number[];
  purged: number;
  purgeCalls: number;
  /** Seconds spent inside purge calls (transaction round trip included). */
  purgeBusy: number;
  /** Longest single purge call, ms. */
  purgeMax: number;
  /** Media messages among the purged rows (media scenarios). */
  mediaPurged: number;
  /** The backlog ran out while the purge was still behind: the bench was sized too small. */
  exhausted: boolean;
  lockSamples: number[];
  /**
   * Rows in public.messages and public.profiles when the slice started: without an index on the referencing
   * column, each purged media row costs a scan of the table.
   */
  tableRows: number;
  profileRows: number;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const insertRate = (r: Result) => r.inserted / r.seconds;
const purgeRate = (r: Result) => r.purged / r.seconds;
const capacity = (r: Result) => (r.purgeBusy > 0 ? r.purged / r.purgeBusy : Number.NaN);
/** The baseline a slice compares with: same database and strategy, no purge. */
const baseOf = (results: Result[], r: Result) =>
  results.find(
    (b) =>
      b.database === r.database &&
      b.strategy === r.strategy &&
      b.scenario === (r.strategy === 'delete' ? 'baseline' : 'p-baseline'),
  );
/**
 * The insert rate the purge has to stay RATIO× ahead of: the slice's own, or the undisturbed baseline's when
 * that is higher (a purge that blocks inserts — PGlite is one connection — must not flatter its own ratio).
 */
const demand = (results: Result[], r: Result) => Math.max(insertRate(r), insertRate(baseOf(results, r) ?? r));
const log = (label: string, msg: string) => process.stderr.write(`[${label}] ${msg}\n`);
const since = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/** People made the way sign-up makes them (auth user → personas), one session each, claims from the hook. */
async function seedPeople(db: Database, n: number, tag: string): Promise<Person[]> {
  return db.service('bench:seed-people', async (tx) => {
    const users = await tx.query<{ id: string }>(
      `insert into auth.users (email, email_confirmed_at, raw_app_meta_data)
       select 'bench.expiry.' || $1 || '.' || i || '@example.com', now(), '{"provider":"email","providers":["email"]}'
       from generate_series(1, $2::int) i returning id`,
      [tag, n],
    );
    const tokens = await tx.query<{ user_id: string; claims: JwtClaims }>(
      `with s as (insert into auth.sessions (user_id) select unnest($1::uuid[]) returning id, user_id)
       select s.user_id, (public.custom_access_token_hook(jsonb_build_object(
                'user_id', s.user_id,
                'claims', jsonb_build_object('sub', s.user_id, 'role', 'authenticated', 'aud', 'authenticated',
                                             'session_id', s.id)))) -> 'claims' as claims
       from s`,
      [users.rows.map((r) => r.id)],
    );
    return tokens.rows.map((r) => {
      if (r.claims.persona !== 'real' || !r.claims.persona_id)
        throw new Error('token hook returned no persona');
      return { userId: r.user_id, profileId: String(r.claims.persona_id), claims: r.claims };
    });
  });
}

/** Conversations started and timed by their members through the product functions. */
async function startConversations(db: Database, people: Person[], timer: string): Promise<Conv[]> {
  const convs: Conv[] = [];
  for (let i = 0; i + 1 < people.length; i += 2) {
    const a = people[i]!;
    const b = people[i + 1]!;
    const id = await db.asUser(a.claims, async (tx) => {
      const { rows } = await tx.query<{ id: string }>('select public.start_conversation($1) as id', [
        b.profileId,
      ]);
      const conv = rows[0]!.id;
      await tx.query('select public.set_conversation_timer($1, $2)', [conv, timer]);
      return conv;
    });
    convs.push({ id, a, b });
  }
  return convs;
}

/** Each conversation twice, once per member: (conversation, sender) pairs for set-based seeding. */
const senders = (convs: Conv[]) => ({
  convs: convs.flatMap((c) => [c.id, c.id]),
  senders: convs.flatMap((c) => [c.a.profileId, c.b.profileId]),
});

/**
 * Already-expired messages, inserted on the service path through the real insert triggers: created 2–3 h ago
 * in conversations whose timer is 5 min, so stamp_message_expiry gives them an expires_at in the past.
 * `media` of them carry their own ready media object; half of those are opened view-once messages in a
 * timer-off conversation (expires_at null, opened_at set), the other half timed images.
 */
async function seedBacklog(db: Database, world: World, text: number, media: number, tag: string) {
  const timed = senders(world.timed);
  const off = senders(world.off);
  const mConvs = [...timed.convs, ...off.convs];
  const mFrom = [...timed.senders, ...off.senders];
  const mViewOnce = [...timed.convs.map(() => false), ...off.convs.map(() => true)];
  const perText = text > 0 ? Math.ceil(text / timed.convs.length) : 0;
  const perMedia = media > 0 ? Math.ceil(media / mConvs.length) : 0;
  await db.service('bench:seed-backlog', async (tx) => {
    if (perMedia > 0) {
      await tx.query(
        `insert into public.media_objects (owner_id, bucket, object_path, content_type, size_bytes, status, ready_at, key_id)
         select c.sender, 'creator-media', 'bench-expiry/' || $2 || '/' || c.i || '/' || g, 'image/jpeg', 1000,
                'ready', now(), 'k-' || gen_random_uuid()
         from unnest($1::uuid[]) with ordinality as c(sender, i), generate_series(1, $3::int) g`,
        [mFrom, tag, perMedia],
      );
    }
    // Text and media rows in one statement, in random order: whatever order the purge's scan takes them in
    // (heap order for a sequential scan, expires_at for the index), it meets the intended mix.
    await tx.query(
      `insert into public.messages (conversation_id, sender_id, kind, body, body_sealed, key_id, media_id, view_once,
                                    opened_at, created_at)
       select conv, sender, kind, '', body_sealed, key_id, media_id, view_once, opened_at, created_at from (
         -- Sealed like real no-trace rows (decision 015): ciphertext-sized bytes under a key id of their own.
         select c.conv, c.sender, 'text' as kind,
                decode(md5('expired ' || g) || md5(random()::text) || md5(random()::text), 'hex') as body_sealed,
                'k-' || gen_random_uuid() as key_id, null::uuid as media_id,
                false as view_once, null::timestamptz as opened_at,
                now() - interval '2 hours' - random() * interval '1 hour' as created_at
         from unnest($1::uuid[], $2::uuid[]) as c(conv, sender), generate_series(1, $3::int) g
         union all
         select c.conv, c.sender, 'image', null, null, o.id, c.view_once,
                case when c.view_once then now() - interval '1 minute' end,
                now() - interval '2 hours' - random() * interval '1 hour'
         from unnest($4::uuid[], $5::uuid[], $6::boolean[]) with ordinality as c(conv, sender, view_once, i)
         cross join generate_series(1, $8::int) g
         join public.media_objects o on o.object_path = 'bench-expiry/' || $7 || '/' || c.i || '/' || g
       ) x order by random()`,
      [timed.convs, timed.senders, perText, mConvs, mFrom, mViewOnce, tag, perMedia],
    );
  });
}

type Counts = { purgeable: number; purgeableMedia: number; rows: number; profiles: number };
const counts = (db: Database) =>
  db.service('bench:count', async (tx) => {
    const { rows } = await tx.query<{
      purgeable: number;
      purgeable_media: number;
      rows: number;
      profiles: number;
    }>(
      `select (select count(*)::int from public.messages m
                where (m.expires_at is not null and m.expires_at <= now()) or m.opened_at is not null) as purgeable,
              (select count(*)::int from public.messages m
                where ((m.expires_at is not null and m.expires_at <= now()) or m.opened_at is not null)
                  and m.media_id is not null) as purgeable_media,
              (select count(*)::int from public.messages) as rows,
              (select count(*)::int from public.profiles) as profiles`,
    );
    const r = rows[0]!;
    return {
      purgeable: r.purgeable,
      purgeableMedia: r.purgeable_media,
      rows: r.rows,
      profiles: r.profiles,
    } satisfies Counts;
  });

/** The partitioned alternative, in the bench's own schema. Runs as the database owner, like a migration. */
const PARTITION_DDL = `
create schema bench_expiry;
grant usage on schema bench_expiry to authenticated, service_role;

-- Same columns as public.messages, but expires_at is required (it is the partition key) and the primary key
-- must include it.
create table bench_expiry.messages (
  id uuid not null default gen_random_uuid(),
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  sender_id uuid not null references public.profiles (id) on delete cascade,
  kind text not null default 'text' check (kind in ('text', 'image', 'audio', 'video')),
  body text not null default '' check (length(body) <= 4000),
  media_id uuid references public.media_objects (id) on delete set null,
  view_once boolean not null default false,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (id, expires_at)
) partition by range (expires_at);
create index messages_conversation_idx on bench_expiry.messages (conversation_id, created_at desc);
-- Deleting a media object runs the ON DELETE SET NULL action against this table too: it needs the index.
create index messages_media_idx on bench_expiry.messages (media_id) where media_id is not null;
alter table bench_expiry.messages enable row level security;
grant select, insert on bench_expiry.messages to service_role;
-- Every trigger public.messages has (realtime broadcast, guards…), except the expiry stamp, which is inlined
-- below, and the sealing guard and key release (decision 015: this table has no sealed columns): the same
-- per-row work on both tables, whatever the migrations add.
do $$
declare
  t record;
begin
  for t in select pg_get_triggerdef(g.oid) as def from pg_trigger g
           where g.tgrelid = 'public.messages'::regclass and not g.tgisinternal
             and g.tgname not in ('messages_stamp_expiry', 'messages_stamp_seal', 'messages_release_keys')
  loop
    execute regexp_replace(t.def, ' ON (public\\.)?messages ', ' ON bench_expiry.messages ');
  end loop;
end
$$;

create table bench_expiry.partitions (name text primary key, upper_bound timestamptz not null);
revoke all on bench_expiry.partitions from public;

-- One partition per hour [p_from, p_from + 1 h); what a scheduled maintenance job would do ahead of time.
create function bench_expiry.ensure_partition(p_from timestamptz) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  lo timestamptz := date_trunc('hour', p_from);
  part text := 'messages_' || to_char(lo at time zone 'UTC', 'YYYYMMDD_HH24');
begin
  if not exists (select 1 from bench_expiry.partitions p where p.name = part) then
    execute format('create table bench_expiry.%I partition of bench_expiry.messages for values from (%L) to (%L)',
                   part, lo, lo + interval '1 hour');
    insert into bench_expiry.partitions (name, upper_bound) values (part, lo + interval '1 hour');
  end if;
  return part;
end
$$;

-- The purge: drop the oldest partition whose every row has expired. Returns its name, null when none.
create function bench_expiry.drop_expired_partition(p_as_of timestamptz) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  part text;
begin
  select p.name into part from bench_expiry.partitions p
    where p.upper_bound <= p_as_of order by p.upper_bound limit 1 for update skip locked;
  if part is null then return null; end if;
  execute format('drop table bench_expiry.%I', part);
  delete from bench_expiry.partitions p where p.name = part;
  return part;
end
$$;

-- send_message's checks and effects, inserting into the partitioned table. The expiry is stamped inline
-- (a BEFORE ROW trigger may not move a row to another partition): only fixed timers fit this table.
create function bench_expiry.send_message(p_conversation uuid, p_body text) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := public.current_persona_id();
  my_state text;
  t text;
  at timestamptz;
  msg uuid;
begin
  if auth.uid() is null or me is null then raise exception 'sign in first' using errcode = '28000'; end if;
  select m.state into my_state from public.conversation_members m
    where m.conversation_id = p_conversation and m.profile_id = me;
  if my_state is null or my_state = 'left' then
    raise exception 'conversation not found' using errcode = 'IP404';
  end if;
  if exists (select 1 from public.conversation_members o
             where o.conversation_id = p_conversation and o.profile_id <> me
               and public.is_blocked_between(me, o.profile_id)) then
    raise exception 'you cannot message this conversation' using errcode = 'IP403';
  end if;
  if coalesce(length(p_body), 0) = 0 then
    raise exception 'a message needs a body' using errcode = '22023';
  end if;
  perform pg_advisory_xact_lock(hashtextextended('conversation:' || p_conversation::text, 0));
  select c.timer into t from public.conversations c where c.id = p_conversation;
  if t is null or t in ('off', '30s_after_read') then
    raise exception 'only fixed timers fit a table partitioned by expires_at' using errcode = '22023';
  end if;
  at := clock_timestamp();
  insert into bench_expiry.messages (conversation_id, sender_id, kind, body, created_at, expires_at)
    values (p_conversation, me, 'text', p_body, at, at + public.timer_interval(t))
    returning id into msg;
  update public.conversation_members m set state = 'active', last_read_at = clock_timestamp()
    where m.conversation_id = p_conversation and m.profile_id = me;
  return msg;
end
$$;
revoke execute on function bench_expiry.send_message(uuid, text) from public, anon;
grant execute on function bench_expiry.send_message(uuid, text) to authenticated;
revoke execute on function bench_expiry.ensure_partition(timestamptz) from public, anon, authenticated;
revoke execute on function bench_expiry.drop_expired_partition(timestamptz) from public, anon, authenticated;
grant execute on function bench_expiry.ensure_partition(timestamptz) to service_role;
grant execute on function bench_expiry.drop_expired_partition(timestamptz) to service_role;
`;

/**
 * The purge deletes media rows; each deleted media object runs the ON DELETE SET NULL actions of
 * messages.media_id and profiles.avatar_media_id and the purge's own "still referenced?" checks on both. Without
 * an index on a column, each of those scans the whole table once per media row. Returns the columns (of the two)
 * that no index leads with.
 */
async function unindexedMediaColumns(db: Database): Promise<string[]> {
  const { rows } = await db.driver.query<{ col: string; indexed: boolean }>(
    `select t.tbl || '.' || t.col as col,
            exists (select 1 from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                    where i.indrelid = ('public.' || t.tbl)::regclass and a.attname = t.col) as indexed
     from (values ('messages', 'media_id'), ('profiles', 'avatar_media_id')) t(tbl, col)`,
  );
  return rows.filter((r) => !r.indexed).map((r) => r.col);
}

/** K expired hourly partitions further back than any used before, each holding `per` rows. */
function partitionSeeder(db: Database, world: World) {
  let hoursBack = 2;
  const rowsIn = new Map<string, number>();
  return {
    rowsIn,
    async seed(k: number, per: number) {
      await db.service('bench:seed-partitions', async (tx) => {
        const s = senders(world.timed);
        for (let i = 0; i < k; i++) {
          const back = hoursBack++;
          const { rows } = await tx.query<{ name: string }>(
            `select bench_expiry.ensure_partition(date_trunc('hour', now()) - make_interval(hours => $1)) as name`,
            [back],
          );
          const name = rows[0]!.name;
          const ins = await tx.query(
            `insert into bench_expiry.messages (conversation_id, sender_id, body, created_at, expires_at)
             select c.conv, c.sender, 'expired ' || g, e - interval '5 minutes', e
             from unnest($1::uuid[], $2::uuid[]) as c(conv, sender), generate_series(1, $3::int) g,
                  lateral (select date_trunc('hour', now()) - make_interval(hours => $4)
                                  + random() * interval '59 minutes' as e) x`,
            [s.convs, s.senders, Math.ceil(per / s.convs.length), back],
          );
          rowsIn.set(name, (rowsIn.get(name) ?? 0) + ins.rowCount);
        }
      });
    },
  };
}

type Seeder = ReturnType<typeof partitionSeeder>;

async function send(db: Database, strategy: Strategy, conv: Conv, from: Person, n: number) {
  await db.asUser(from.claims, async (tx) => {
    if (strategy === 'delete') await sealedSend(tx, conv.id, n);
    else await tx.query('select bench_expiry.send_message($1, $2)', [conv.id, `bench message ${n}`]);
  });
}

/** A no-trace send as the server makes it: the sealing plan, then the sealed insert (48 bytes of "ciphertext"). */
async function sealedSend(tx: Queryable, conv: string, n: number) {
  const plan = await tx.query<{ window_key: string }>(
    'select window_key from public.message_sealing($1, false)',
    [conv],
  );
  const box = Buffer.alloc(48, n % 251);
  await tx.query('select public.send_sealed_message($1, $2, $3, null, false)', [
    conv,
    box,
    plan.rows[0]!.window_key,
  ]);
}

type Purger = (batch: number) => Promise<number>;

/** One call of the shipped purge, in its own service transaction, as the no-trace job makes it. */
const deletePurger =
  (db: Database): Purger =>
  async (batch) => {
    const n = await db.service('no-trace:purge-expired', async (tx) => {
      const { rows } = await tx.query<{ n: number }>('select public.purge_expired_messages(now(), $1) as n', [
        batch,
      ]);
      return Number(rows[0]!.n);
    });
    return n;
  };

const dropPurger =
  (db: Database, seeder: Seeder): Purger =>
  async () => {
    const name = await db.service('bench:drop-partition', async (tx) => {
      const { rows } = await tx.query<{ name: string | null }>(
        'select bench_expiry.drop_expired_partition(now()) as name',
      );
      return rows[0]!.name;
    });
    if (!name) return 0;
    const rows = seeder.rowsIn.get(name) ?? 0;
    seeder.rowsIn.delete(name);
    return rows;
  };

type Slice = {
  strategy: Strategy;
  scenario: Scenario;
  batch: number | null;
  convs: Conv[];
  seconds: number;
  purger?: Purger;
  tableRows: number;
  profileRows: number;
};

let messageNo = 0;

async function runSlice(db: Database, database: string, s: Slice): Promise<Result> {
  const res: Result = {
    database,
    strategy: s.strategy,
    scenario: s.scenario,
    batch: s.batch,
    inserted: 0,
    failed: 0,
    failures: {},
    seconds: 0,
    latencies: [],
    purged: 0,
    purgeCalls: 0,
    purgeBusy: 0,
    purgeMax: 0,
    mediaPurged: 0,
    exhausted: false,
    lockSamples: [],
    tableRows: s.tableRows,
    profileRows: s.profileRows,
  };
  const start = performance.now();
  const deadline = start + s.seconds * 1000;
  // Each client owns a disjoint set of conversations, so clients never queue on each other's per-conversation
  // advisory lock: what remains is the database's own contention (and the purge's).
  const worker = async (w: number) => {
    const mine = s.convs.filter((_, i) => i % CONCURRENCY === w);
    while (performance.now() < deadline) {
      const conv = mine[Math.floor(Math.random() * mine.length)]!;
      const from = Math.random() < 0.5 ? conv.a : conv.b;
      const t0 = performance.now();
      try {
        await send(db, s.strategy, conv, from, messageNo++);
        res.inserted++;
        res.latencies.push(performance.now() - t0);
        wakePurge();
      } catch (err) {
        res.failed++;
        const code = pgErrorCode(err) ?? (err as Error).message.slice(0, 40);
        res.failures[code] = (res.failures[code] ?? 0) + 1;
      }
    }
  };
  // Paced purge: keep the rows deleted at RATIO × the rows inserted so far; when ahead, wait for the next
  // insert (a promise, not a timer: PGlite resolves queries in microtasks, so timers would starve).
  let wake: (() => void) | null = null;
  const wakePurge = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const purge = async () => {
    if (!s.purger) return;
    while (performance.now() < deadline) {
      if (res.purged >= RATIO * res.inserted) {
        await new Promise<void>((r) => {
          wake = r;
        });
        continue;
      }
      const t0 = performance.now();
      const rows = await s.purger(s.batch ?? 0);
      const dt = performance.now() - t0;
      res.purgeBusy += dt / 1000;
      res.purgeMax = Math.max(res.purgeMax, dt);
      res.purgeCalls++;
      res.purged += rows;
      if (rows === 0) {
        res.exhausted = true;
        break;
      }
    }
  };
  // PostgreSQL only: how many of this database's backends wait on a lock, sampled every 10 ms.
  const sampler = async () => {
    if (db.driver.name !== 'postgres') return;
    while (performance.now() < deadline) {
      const { rows } = await db.driver.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`,
      );
      res.lockSamples.push(rows[0]!.n);
      await sleep(10);
    }
  };
  const sampling = sampler();
  const purging = purge();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  res.seconds = (performance.now() - start) / 1000;
  wakePurge();
  await purging;
  await sampling;
  return res;
}

function merge(into: Result, r: Result) {
  into.inserted += r.inserted;
  into.failed += r.failed;
  into.seconds += r.seconds;
  into.latencies.push(...r.latencies);
  into.purged += r.purged;
  into.purgeCalls += r.purgeCalls;
  into.purgeBusy += r.purgeBusy;
  into.purgeMax = Math.max(into.purgeMax, r.purgeMax);
  into.mediaPurged += r.mediaPurged;
  into.exhausted ||= r.exhausted;
  into.lockSamples.push(...r.lockSamples);
  into.tableRows = Math.max(into.tableRows, r.tableRows);
  into.profileRows = Math.max(into.profileRows, r.profileRows);
  for (const [k, n] of Object.entries(r.failures)) into.failures[k] = (into.failures[k] ?? 0) + n;
}

type DbReport = { results: Result[]; notes: string[]; problems: string[] };

async function benchDatabase(label: string, db: Database): Promise<DbReport> {
  const notes: string[] = [];
  const problems: string[] = [];
  const t0 = performance.now();
  const tag = randomUUID().slice(0, 8);
  const historyConvs = 4;
  const people = await seedPeople(db, 2 * (CONVERSATIONS + 8 + 4 + historyConvs), tag);
  let at = 0;
  const take = (n: number) => {
    at += 2 * n;
    return people.slice(at - 2 * n, at);
  };
  const world: World = {
    live: await startConversations(db, take(CONVERSATIONS), LIVE_TIMER),
    timed: await startConversations(db, take(8), BACKLOG_TIMER),
    off: await startConversations(db, take(4), 'off'),
  };
  const history = await startConversations(db, take(historyConvs), 'off');
  // Other people's personas: the purge's media path looks profiles up by avatar_media_id, so the size of
  // profiles matters. Plain profile rows (no auth user behind them) are enough for that.
  if (PROFILES > 0) {
    await db.service('bench:seed-profiles', (tx) =>
      tx.query(
        `insert into public.profiles (kind, handle, display_name)
         select case when i % 2 = 0 then 'real' else 'shadow' end, 'pad_' || $1 || '_' || i, 'Pad ' || i
         from generate_series(1, $2::int) i`,
        [tag, PROFILES],
      ),
    );
  }
  // Message history that never expires: the purge's scans run in a table that is mostly live rows.
  if (HISTORY > 0) {
    const s = senders(history);
    await db.service('bench:seed-history', (tx) =>
      tx.query(
        `insert into public.messages (conversation_id, sender_id, body, created_at)
         select c.conv, c.sender, 'history ' || g, now() - interval '30 days' + g * interval '1 second'
         from unnest($1::uuid[], $2::uuid[]) as c(conv, sender), generate_series(1, $3::int) g`,
        [s.convs, s.senders, Math.ceil(HISTORY / s.convs.length)],
      ),
    );
  }
  await db.driver.exec(PARTITION_DDL);
  const triggers = await db.driver.query<{ tbl: string; names: string }>(
    `select tgrelid::regclass::text as tbl, string_agg(tgname, ', ' order by tgname) as names from pg_trigger
     where tgrelid in ('public.messages'::regclass, 'bench_expiry.messages'::regclass) and not tgisinternal
     group by 1 order by 1`,
  );
  notes.push(`${label}: triggers ${triggers.rows.map((r) => `${r.tbl}: ${r.names}`).join('; ')}`);
  await db.service('bench:live-partitions', (tx) =>
    tx.query(
      `select bench_expiry.ensure_partition(date_trunc('hour', now()) + make_interval(hours => h))
       from generate_series(0, 4) h`,
    ),
  );
  const seeder = partitionSeeder(db, world);
  let seededText = 0;
  let seededMedia = 0;
  let deletedTotal = 0;
  let mediaDeletedTotal = 0;
  let liveInserted = 0;
  let pliveInserted = 0;

  /** Seeds expired rows and counts what actually landed (seeding rounds up per conversation). */
  const seed = async (text: number, media: number) => {
    const before = await counts(db);
    await seedBacklog(db, world, text, media, `${tag}-${seededText + seededMedia}`);
    const after = await counts(db);
    seededMedia += after.purgeableMedia - before.purgeableMedia;
    seededText += after.purgeable - before.purgeable - (after.purgeableMedia - before.purgeableMedia);
    return after;
  };

  // Warm-up: inserts on both strategies (plans cached on every pooled connection), a few purge calls.
  await seed(2 * Math.max(...BATCHES), 0);
  // Autovacuum analyzes a table this size on its own in production; the bench cannot wait for it.
  await db.driver.exec('analyze public.messages');
  const warm = await runSlice(db, label, {
    strategy: 'delete',
    scenario: 'purge',
    batch: Math.min(...BATCHES),
    convs: world.live,
    seconds: WARMUP_SECONDS,
    purger: deletePurger(db),
    tableRows: 0,
    profileRows: 0,
  });
  await seeder.seed(1, 100);
  const pwarm = await runSlice(db, label, {
    strategy: 'partition',
    scenario: 'drop',
    batch: null,
    convs: world.live,
    seconds: WARMUP_SECONDS,
    purger: dropPurger(db, seeder),
    tableRows: 0,
    profileRows: 0,
  });
  if (warm.inserted === 0 || pwarm.inserted === 0)
    throw new Error(
      `[${label}] warm-up sent no message: ${JSON.stringify({ ...warm.failures, ...pwarm.failures })}`,
    );
  liveInserted += warm.inserted;
  pliveInserted += pwarm.inserted;
  deletedTotal += warm.purged;
  let expectedRate = Math.max(insertRate(warm), insertRate(pwarm));
  log(
    label,
    `seeded ${people.length} people, ${PROFILES} more profiles, ${HISTORY} history messages; warm-up ${insertRate(warm).toFixed(0)} sends/s ` +
      `in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  /** Rows the purge may need in one slice: RATIO × the inserts we expect, with a margin. */
  const need = (batch: number) => Math.ceil(RATIO * expectedRate * SLICE * MARGIN) + batch;
  const topUp = async (batch: number, mediaShare: number) => {
    const c = await counts(db);
    const want = need(batch);
    if (c.purgeable >= want) return c;
    const media = Math.round((want - c.purgeable) * mediaShare);
    return seed(want - c.purgeable - media, media);
  };
  /** A slice of the batched-delete strategy; media rows purged = purgeable media rows before − after. */
  const deleteSlice = async (scenario: Scenario, batch: number | null, before: Counts) => {
    const r = await runSlice(db, label, {
      strategy: 'delete',
      scenario,
      batch,
      convs: world.live,
      seconds: SLICE,
      ...(batch === null ? {} : { purger: deletePurger(db) }),
      tableRows: before.rows,
      profileRows: before.profiles,
    });
    r.mediaPurged = before.purgeableMedia - (await counts(db)).purgeableMedia;
    return r;
  };

  const results: Result[] = [];
  const record = (r: Result) => {
    const acc = results.find(
      (x) => x.strategy === r.strategy && x.scenario === r.scenario && x.batch === r.batch,
    );
    if (acc) merge(acc, r);
    else results.push(r);
    if (r.strategy === 'delete') liveInserted += r.inserted;
    else pliveInserted += r.inserted;
    if (r.strategy === 'delete') {
      deletedTotal += r.purged;
      mediaDeletedTotal += r.mediaPurged;
    }
    expectedRate = Math.max(expectedRate, insertRate(r));
  };

  // 1 + 2: baseline and the batch-size sweep of the shipped purge, interleaved in ROUNDS slices.
  for (let round = 0; round < ROUNDS; round++) {
    const plan: (number | null)[] = [null, ...BATCHES];
    if (round % 2 === 1) plan.reverse();
    for (const batch of plan) {
      const c = batch === null ? await counts(db) : await topUp(batch, 0);
      record(await deleteSlice(batch === null ? 'baseline' : 'purge', batch, c));
    }
    log(label, `batched delete round ${round + 1}/${ROUNDS} done at ${since(t0)}`);
  }

  // Media: the job's batch size on a backlog where BENCH_MEDIA_SHARE of the rows carry a media object, as
  // shipped and then (when the migrations lack them) with the indexes the purge's media path needs.
  if (MEDIA_SHARE > 0) {
    // Start from an empty backlog so the slice purges the intended mix.
    for (;;) {
      const rows = await deletePurger(db)(Math.max(...BATCHES));
      deletedTotal += rows;
      if (rows === 0) break;
    }
    const missing = await unindexedMediaColumns(db);
    notes.push(
      missing.length
        ? `${label}: no index on ${missing.join(', ')} in the migrations; "media+index" adds one (bench only)`
        : `${label}: messages.media_id and profiles.avatar_media_id are both indexed by the migrations`,
    );
    const scenarios: Scenario[] = missing.length ? ['media', 'media+index'] : ['media'];
    for (const scenario of scenarios) {
      if (scenario === 'media+index') {
        for (const col of missing) {
          const [tbl, name] = col.split('.');
          await db.driver.exec(
            `create index bench_${tbl}_${name}_idx on public.${tbl} (${name}) where ${name} is not null`,
          );
        }
      }
      for (let round = 0; round < ROUNDS; round++) {
        record(await deleteSlice(scenario, JOB_BATCH, await topUp(JOB_BATCH, MEDIA_SHARE)));
      }
      log(label, `${scenario} done at ${since(t0)}`);
    }
  }

  // 3: time partitions — inserts into the partitioned table, with and without dropping expired partitions.
  for (let round = 0; round < ROUNDS; round++) {
    // A plain baseline slice too, so "partitioned vs plain table" compares slices taken side by side.
    const plan: Scenario[] =
      round % 2 === 0 ? ['baseline', 'p-baseline', 'drop'] : ['drop', 'p-baseline', 'baseline'];
    for (const scenario of plan) {
      if (scenario === 'baseline') {
        record(await deleteSlice('baseline', null, await counts(db)));
        continue;
      }
      if (scenario === 'drop') {
        // Whatever a previous slice left, plus PARTITIONS fresh expired partitions sized for this slice.
        await seeder.seed(PARTITIONS, Math.ceil(need(0) / PARTITIONS));
      }
      record(
        await runSlice(db, label, {
          strategy: 'partition',
          scenario,
          batch: null,
          convs: world.live,
          seconds: SLICE,
          ...(scenario === 'drop' ? { purger: dropPurger(db, seeder) } : {}),
          tableRows: 0,
          profileRows: 0,
        }),
      );
    }
    log(label, `partitions round ${round + 1}/${ROUNDS} done at ${since(t0)}`);
  }

  // Accounting: nothing unexpired was purged, everything counted as purged is gone, media bytes are queued.
  const acct = await db.service('bench:accounting', async (tx) => {
    const { rows } = await tx.query<{
      live: number;
      plive: number;
      purgeable: number;
      queued: number;
      backlog_media: number;
      partitioned: number;
    }>(
      `select (select count(*)::int from public.messages where conversation_id = any ($1::uuid[])) as live,
              (select count(*)::int from bench_expiry.messages where conversation_id = any ($1::uuid[])) as plive,
              (select count(*)::int from public.messages m
                where (m.expires_at is not null and m.expires_at <= now()) or m.opened_at is not null) as purgeable,
              (select count(*)::int from public.purge_queue where object_path like 'bench-expiry/%') as queued,
              (select count(*)::int from public.media_objects where object_path like 'bench-expiry/%') as backlog_media,
              (select count(*)::int from bench_expiry.messages) as partitioned`,
      [world.live.map((c) => c.id)],
    );
    return rows[0]!;
  });
  const remainingPartitioned = [...seeder.rowsIn.values()].reduce((a, b) => a + b, 0);
  if (acct.live !== liveInserted)
    problems.push(`${label}: ${liveInserted} live messages sent but ${acct.live} in public.messages`);
  if (acct.plive !== pliveInserted)
    problems.push(`${label}: ${pliveInserted} partitioned messages sent but ${acct.plive} in the table`);
  if (acct.purgeable !== seededText + seededMedia - deletedTotal)
    problems.push(
      `${label}: seeded ${seededText + seededMedia} expired, purge reported ${deletedTotal}, ` +
        `but ${acct.purgeable} remain (expected ${seededText + seededMedia - deletedTotal})`,
    );
  if (acct.queued !== mediaDeletedTotal || acct.backlog_media !== seededMedia - mediaDeletedTotal)
    problems.push(
      `${label}: ${mediaDeletedTotal} media messages purged, ${acct.queued} objects queued, ` +
        `${acct.backlog_media} media rows left of ${seededMedia}`,
    );
  if (acct.partitioned !== pliveInserted + remainingPartitioned)
    problems.push(
      `${label}: partitioned table holds ${acct.partitioned} rows, expected ${pliveInserted} live + ` +
        `${remainingPartitioned} in undropped partitions`,
    );
  log(
    label,
    `accounting: ${liveInserted} + ${pliveInserted} sends all present, ${deletedTotal} purged rows gone ` +
      `(${mediaDeletedTotal} with media, ${acct.queued} objects queued), ${acct.purgeable} expired left`,
  );

  for (const r of results) {
    const what = `${label} ${r.strategy} ${r.scenario}${r.batch ? ` b=${r.batch}` : ''}`;
    if (r.failed > 0) problems.push(`${what}: ${r.failed} sends failed ${JSON.stringify(r.failures)}`);
    if (!r.scenario.includes('baseline')) {
      if (r.exhausted)
        problems.push(`${what}: the backlog ran out while the purge was behind — raise BENCH_BACKLOG_MARGIN`);
      const ratio = capacity(r) / demand(results, r);
      if (!(ratio >= RATIO))
        problems.push(
          `${what}: purge capacity ${capacity(r).toFixed(0)} rows/s is ${ratio.toFixed(1)}× the insert rate ` +
            `${demand(results, r).toFixed(0)}/s, below the required ${RATIO}×`,
        );
    }
  }
  return { results, notes, problems };
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');

function printTable(results: Result[]) {
  const header = [
    'database',
    'strategy',
    'scenario',
    'batch',
    'sends',
    'sends/s',
    'p50 ms',
    'p99 ms',
    'p50/base',
    'p99/base',
    'purged',
    'purged/s',
    'capacity/s',
    'busy %',
    'max call ms',
    'capacity/sends',
    'lock waiters',
  ];
  const rows = results.map((r) => {
    const base = baseOf(results, r);
    const isBase = r.scenario.includes('baseline');
    const lat = (q: number) => quantile(r.latencies, q);
    const rel = (q: number) => (base && !isBase ? fmt(lat(q) / quantile(base.latencies, q), 2) : '');
    const failed = r.failed ? ` (${r.failed} failed)` : '';
    return [
      r.database,
      r.strategy === 'delete' ? 'batched delete' : 'partitions',
      r.scenario,
      r.batch === null ? (r.scenario === 'drop' ? 'partition' : '-') : String(r.batch),
      `${r.inserted}${failed}`,
      fmt(insertRate(r)),
      fmt(lat(0.5), 2),
      fmt(lat(0.99), 2),
      rel(0.5),
      rel(0.99),
      isBase ? '-' : String(r.purged),
      isBase ? '-' : fmt(purgeRate(r)),
      isBase ? '-' : fmt(capacity(r)),
      isBase ? '-' : fmt((100 * r.purgeBusy) / r.seconds),
      isBase ? '-' : fmt(r.purgeMax, 1),
      isBase ? '-' : `${fmt(capacity(r) / demand(results, r), 1)}${r.exhausted ? ' (backlog ran out)' : ''}`,
      r.lockSamples.length ? fmt(r.lockSamples.reduce((a, b) => a + b, 0) / r.lockSamples.length, 1) : '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('');
  for (const r of results) {
    if (r.scenario === 'media' || r.scenario === 'media+index') {
      const perMedia = r.mediaPurged > 0 ? (r.purgeBusy * 1000) / r.mediaPurged : Number.NaN;
      console.log(
        `${r.database} ${r.scenario}: ${r.mediaPurged} of ${r.purged} purged rows carried media; ` +
          `${fmt(perMedia, 2)} ms of purge time per media row, with ~${r.tableRows} rows in public.messages and ` +
          `${r.profileRows} in public.profiles`,
      );
    }
  }
  for (const db of [...new Set(results.map((r) => r.database))]) {
    const base = results.find((r) => r.database === db && r.scenario === 'baseline');
    const pbase = results.find((r) => r.database === db && r.scenario === 'p-baseline');
    if (base && pbase)
      console.log(
        `${db}: sends into the partitioned table / into public.messages = ${fmt(insertRate(pbase) / insertRate(base), 2)} ` +
          `(p50 ${fmt(quantile(pbase.latencies, 0.5) / quantile(base.latencies, 0.5), 2)}×)`,
      );
  }
}

async function main() {
  const started = performance.now();
  console.log(
    `bench/expiry ${new Date().toISOString()} · node ${process.version} · ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}) · load ${loadavg()[0]!.toFixed(2)}`,
  );
  const migrations = readdirSync(MIGRATIONS)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  console.log(`migrations: ${migrations.length} files, last ${migrations.at(-1)}`);
  console.log(
    `concurrency=${CONCURRENCY} conversations=${CONVERSATIONS} seconds/scenario=${SECONDS} in ${ROUNDS} rounds ` +
      `warm-up=${WARMUP_SECONDS}s ratio=${RATIO} batches=${BATCHES.join(',')} job-batch=${JOB_BATCH} ` +
      `history=${HISTORY} profiles=+${PROFILES} media-share=${MEDIA_SHARE} margin=${MARGIN} partitions/slice=${PARTITIONS}`,
  );
  const all: Result[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const collect = (r: DbReport) => {
    all.push(...r.results);
    notes.push(...r.notes);
    problems.push(...r.problems);
  };
  for (const target of TARGETS) {
    if (target === 'pglite') {
      const db = await Database.open({ migrationsDir: MIGRATIONS });
      try {
        collect(await benchDatabase('pglite', db));
      } finally {
        await db.close();
      }
    } else if (target === 'postgres') {
      if (!ADMIN_URL) throw new Error('postgres target needs BENCH_DATABASE_URL or TEST_DATABASE_URL');
      const scratch = await scratchDatabase(ADMIN_URL, 'ipelya_bench');
      try {
        const db = await Database.open({
          url: scratch.url,
          migrationsDir: MIGRATIONS,
          poolSize: CONCURRENCY + 2,
        });
        try {
          const v = await db.driver.query<{ v: string }>("select current_setting('server_version') as v");
          collect(await benchDatabase(`postgres ${v.rows[0]!.v.split(' ')[0]}`, db));
        } finally {
          await db.close();
        }
      } finally {
        await scratch.drop();
      }
    } else {
      throw new Error(`unknown BENCH_TARGETS entry: ${target}`);
    }
  }
  console.log('');
  printTable(all);
  for (const n of [...new Set(notes)]) console.log(`note: ${n}`);
  console.log(
    `\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s · load ${loadavg()[0]!.toFixed(2)}`,
  );
  if (problems.length > 0) {
    console.error(`\nbench/expiry FAILED ${problems.length} check(s):`);
    for (const p of problems) console.error(`  ✗ ${p}`);
    process.exit(1);
  }
  console.log(`all checks passed: every purge kept ≥ ${RATIO}× the insert rate; accounting exact`);
}

main().catch((err) => {
  console.error('bench/expiry FAILED:', err);
  process.exit(1);
});
