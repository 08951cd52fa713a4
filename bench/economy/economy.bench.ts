/**
 * Spend throughput of the coin economy: tips and PPV unlocks per second on PGlite and on PostgreSQL, spread
 * over random creators (baseline) vs all into ONE hot creator, sequentially and with concurrency. Every
 * spend calls the real security-definer SQL function through `db.asUser(claims, …)` with claims minted by
 * `custom_access_token_hook`, so RLS and the claims path run exactly as in production.
 *
 *   npx tsx bench/economy/economy.bench.ts            # PGlite, plus PostgreSQL when a URL is set
 *   BENCH_DATABASE_URL=postgresql://… npm run bench:economy
 *
 * Knobs (env): BENCH_SECONDS per measured scenario (default 2, split into BENCH_ROUNDS=4 interleaved
 * slices), BENCH_WARMUP_SECONDS (0.5),
 * BENCH_FANS (200), BENCH_CREATORS (20), BENCH_CONCURRENCY (8), BENCH_POSTS_PER_CREATOR (40),
 * BENCH_TARGETS (comma list of pglite,postgres), BENCH_DATABASE_URL or TEST_DATABASE_URL (admin URL; a
 * scratch database is created on it and dropped at the end).
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Database, type JwtClaims, pgErrorCode } from '@ipelya/db';
import { scratchDatabase } from '@ipelya/testing';

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
};

const SECONDS = num('BENCH_SECONDS', 2);
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 0.5);
const ROUNDS = Math.floor(num('BENCH_ROUNDS', 4));
const FANS = Math.floor(num('BENCH_FANS', 200));
const CREATORS = Math.floor(num('BENCH_CREATORS', 20));
const CONCURRENCY = Math.floor(num('BENCH_CONCURRENCY', 8));
const POSTS_PER_CREATOR = Math.floor(num('BENCH_POSTS_PER_CREATOR', 40));
const TIP_COINS = 10; // 8 to the creator, 2 platform fee at the default 20%
const PPV_PRICE = 10;
const FUNDING = 10_000_000; // per fan: never the limiting factor, so failures are real failures
const ADMIN_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || '';
const TARGETS = (process.env.BENCH_TARGETS ?? (ADMIN_URL ? 'pglite,postgres' : 'pglite'))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const MIGRATIONS = fileURLToPath(new URL('../../supabase/migrations', import.meta.url));

type Fan = { userId: string; profileId: string; claims: JwtClaims };
type Kind = 'tip' | 'ppv';
type Spread = 'baseline' | 'hot';
type Result = {
  database: string;
  kind: Kind;
  spread: Spread;
  concurrency: number;
  ok: number;
  failed: number;
  failures: Record<string, number>;
  seconds: number;
  latencies: number[];
  /** PostgreSQL only: samples of how many of this database's backends wait on a lock (row locks). */
  lockSamples: number[];
};

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** N fans and M creators made the way sign-up makes them: an auth user, whose trigger creates two personas. */
async function seed(db: Database) {
  return db.service('bench:seed', async (tx) => {
    const tag = randomUUID().slice(0, 8);
    const users = await tx.query<{ id: string }>(
      `insert into auth.users (email, email_confirmed_at, raw_app_meta_data)
       select 'bench.' || $1 || '.' || i || '@example.com', now(), '{"provider":"email","providers":["email"]}'
       from generate_series(1, $2::int) i returning id`,
      [tag, FANS + CREATORS],
    );
    const ids = users.rows.map((r) => r.id);
    // One session each; the claims come from the same hook that mints real access tokens.
    const tokens = await tx.query<{ user_id: string; claims: JwtClaims }>(
      `with s as (insert into auth.sessions (user_id) select unnest($1::uuid[]) returning id, user_id)
       select s.user_id, (public.custom_access_token_hook(jsonb_build_object(
                'user_id', s.user_id,
                'claims', jsonb_build_object('sub', s.user_id, 'role', 'authenticated', 'aud', 'authenticated',
                                             'session_id', s.id)))) -> 'claims' as claims
       from s`,
      [ids],
    );
    const people: Fan[] = tokens.rows.map((r) => ({
      userId: r.user_id,
      profileId: String(r.claims.persona_id),
      claims: r.claims,
    }));
    for (const p of people) {
      if (p.claims.persona !== 'real' || !p.claims.persona_id)
        throw new Error('token hook returned no persona');
    }
    const creators = people.slice(0, CREATORS);
    const fans = people.slice(CREATORS);
    await tx.query('update public.profiles set is_creator = true where id = any($1::uuid[])', [
      creators.map((c) => c.profileId),
    ]);
    const posts = await tx.query<{ id: string; author_id: string }>(
      `insert into public.posts (author_id, visibility, price_coins, status)
       select c, 'ppv', $2, 'published' from unnest($1::uuid[]) c, generate_series(1, $3::int)
       returning id, author_id`,
      [creators.map((c) => c.profileId), PPV_PRICE, POSTS_PER_CREATOR],
    );
    const pkg = await tx.query<{ id: string }>(
      `insert into public.coin_packages (code, coins, prices) values ($1, $2, '{"USD": 100}') returning id`,
      [`bench_${tag}`, FUNDING],
    );
    // Funded the way a verified provider webhook does it: one local purchase per fan.
    await tx.query(
      `select public.credit_coin_purchase('local', 'bench_' || $1 || '_' || u, u, $2, 100, 'USD')
       from unnest($3::uuid[]) u`,
      [tag, pkg.rows[0]!.id, fans.map((f) => f.userId)],
    );
    const postsBy = new Map<string, string[]>();
    for (const p of posts.rows) postsBy.set(p.author_id, [...(postsBy.get(p.author_id) ?? []), p.id]);
    return { fans, creators, postsBy };
  });
}

type World = Awaited<ReturnType<typeof seed>>;

/**
 * The next spend to make. PPV unlocks are once per (buyer, post), so each op takes a pair never used before
 * (a repeat would be a free replay, not a spend); picking is synchronous, so concurrent workers never share one.
 */
function planner(world: World) {
  const used = new Set<string>();
  const hot = world.creators[0]!;
  const others = world.creators.slice(1);
  return (kind: Kind, spread: Spread): { fan: Fan; target: string } | null => {
    const creator = spread === 'hot' ? hot : pick(others);
    if (kind === 'tip') return { fan: pick(world.fans), target: creator.profileId };
    const posts =
      spread === 'hot' ? world.postsBy.get(hot.profileId)! : world.postsBy.get(creator.profileId)!;
    for (let attempt = 0; attempt < 200; attempt++) {
      const fan = pick(world.fans);
      const post = pick(posts);
      const k = `${fan.profileId}:${post}`;
      if (!used.has(k)) {
        used.add(k);
        return { fan, target: post };
      }
    }
    return null; // pairs exhausted: raise BENCH_POSTS_PER_CREATOR or BENCH_FANS
  };
}

async function spend(db: Database, kind: Kind, fan: Fan, target: string): Promise<boolean> {
  const key = randomUUID();
  return db.asUser(fan.claims, async (tx) => {
    const { rows } =
      kind === 'tip'
        ? await tx.query<{ replayed: boolean }>('select * from public.send_tip($1, $2, $3, $4)', [
            target,
            TIP_COINS,
            'bench',
            key,
          ])
        : await tx.query<{ replayed: boolean }>('select * from public.unlock_post($1, $2)', [target, key]);
    // A replay moved no coins; it is not a spend.
    return rows.length === 1 && rows[0]!.replayed === false;
  });
}

async function run(
  db: Database,
  database: string,
  next: ReturnType<typeof planner>,
  kind: Kind,
  spread: Spread,
  concurrency: number,
  seconds: number,
): Promise<Result> {
  const res: Result = {
    database,
    kind,
    spread,
    concurrency,
    ok: 0,
    failed: 0,
    failures: {},
    seconds: 0,
    latencies: [],
    lockSamples: [],
  };
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let exhausted = false;
  // On PostgreSQL, sample pg_stat_activity on the spare pool connection: how many spends wait on a lock.
  const sampler = async () => {
    if (db.driver.name !== 'postgres') return;
    while (performance.now() < deadline && !exhausted) {
      const { rows } = await db.driver.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`,
      );
      res.lockSamples.push(rows[0]!.n);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const worker = async () => {
    while (performance.now() < deadline && !exhausted) {
      const op = next(kind, spread);
      if (!op) {
        exhausted = true;
        break;
      }
      const t0 = performance.now();
      try {
        if (await spend(db, kind, op.fan, op.target)) {
          res.ok++;
          res.latencies.push(performance.now() - t0);
        } else {
          res.failed++;
          res.failures.replayed = (res.failures.replayed ?? 0) + 1;
        }
      } catch (err) {
        res.failed++;
        const code = pgErrorCode(err) ?? (err as Error).message.slice(0, 40);
        res.failures[code] = (res.failures[code] ?? 0) + 1;
      }
    }
  };
  const sampling = sampler();
  await Promise.all(Array.from({ length: concurrency }, worker));
  res.seconds = (performance.now() - start) / 1000;
  await sampling;
  if (exhausted) res.failures.pairs_exhausted = 1;
  return res;
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const rate = (r: Result) => r.ok / r.seconds;
const countRows = (db: Database) =>
  db.service('bench:count', (tx) =>
    tx.query<{ tips: string; unlocks: string }>(
      'select (select count(*) from public.tips) as tips, (select count(*) from public.ppv_unlocks) as unlocks',
    ),
  );

async function benchDatabase(label: string, db: Database): Promise<Result[]> {
  const t0 = performance.now();
  const world = await seed(db);
  const next = planner(world);
  process.stderr.write(
    `[${label}] seeded ${world.fans.length} fans, ${world.creators.length} creators, ` +
      `${world.creators.length * POSTS_PER_CREATOR} PPV posts in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  // Warm-up at full concurrency so every pooled connection has its plpgsql plans cached.
  for (const kind of ['tip', 'ppv'] as const) {
    const w = await run(db, label, next, kind, 'baseline', CONCURRENCY, WARMUP_SECONDS);
    if (w.ok === 0) throw new Error(`warm-up made no ${kind} spend: ${JSON.stringify(w.failures)}`);
  }
  const afterWarmup = await countRows(db);
  // Scenarios run interleaved in short slices (ROUNDS of them), so a burst of load from elsewhere on the
  // machine hits baseline and hot alike instead of skewing one whole scenario.
  const results: Result[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['tip', 'ppv'] as const) {
      for (const concurrency of [1, CONCURRENCY]) {
        const order = round % 2 === 0 ? (['baseline', 'hot'] as const) : (['hot', 'baseline'] as const);
        for (const spread of order) {
          const r = await run(db, label, next, kind, spread, concurrency, SECONDS / ROUNDS);
          const acc = results.find(
            (x) => x.kind === kind && x.spread === spread && x.concurrency === concurrency,
          );
          if (!acc) results.push(r);
          else {
            acc.ok += r.ok;
            acc.failed += r.failed;
            acc.seconds += r.seconds;
            acc.latencies.push(...r.latencies);
            acc.lockSamples.push(...r.lockSamples);
            for (const [k, n] of Object.entries(r.failures)) acc.failures[k] = (acc.failures[k] ?? 0) + n;
          }
        }
      }
    }
    process.stderr.write(`[${label}] round ${round + 1}/${ROUNDS} done\n`);
  }
  // Keep a stable order: kind, concurrency, baseline before hot.
  const rank = (r: Result) =>
    (r.kind === 'tip' ? 0 : 4) + (r.concurrency === 1 ? 0 : 2) + (r.spread === 'hot' ? 1 : 0);
  results.sort((a, b) => rank(a) - rank(b));
  // Every counted spend must be in the books exactly once: rows created during measurement = ok count.
  const after = await countRows(db);
  const counted = (k: Kind) => results.filter((r) => r.kind === k).reduce((n, r) => n + r.ok, 0);
  const tipRows = Number(after.rows[0]!.tips) - Number(afterWarmup.rows[0]!.tips);
  const unlockRows = Number(after.rows[0]!.unlocks) - Number(afterWarmup.rows[0]!.unlocks);
  if (tipRows !== counted('tip') || unlockRows !== counted('ppv')) {
    throw new Error(
      `[${label}] counted ${counted('tip')} tips / ${counted('ppv')} unlocks but the database holds ` +
        `${tipRows} / ${unlockRows} new rows`,
    );
  }
  const hot = world.creators[0]!.profileId;
  const pending = await db.service('bench:hot', (tx) =>
    tx.query<{ balance: string; earned: string }>(
      `select (select balance from public.ledger_accounts where kind = 'creator_pending' and profile_id = $1) as balance,
              (select coalesce(sum(amount), 0) from public.creator_earnings where creator_id = $1) as earned`,
      [hot],
    ),
  );
  if (String(pending.rows[0]!.balance) !== String(pending.rows[0]!.earned)) {
    throw new Error(
      `[${label}] hot creator pending ${pending.rows[0]!.balance} ≠ earnings ${pending.rows[0]!.earned}`,
    );
  }
  const violations = await db.service('bench:invariants', (tx) =>
    tx.query('select * from public.ledger_invariant_violations()'),
  );
  if (violations.rows.length > 0) {
    throw new Error(
      `[${label}] ledger_invariant_violations(): ${JSON.stringify(violations.rows.slice(0, 5))}`,
    );
  }
  process.stderr.write(
    `[${label}] books balanced: ledger_invariant_violations() = 0; ${tipRows} tips and ${unlockRows} unlocks all in the ledger\n`,
  );
  return results;
}

function printTable(results: Result[]) {
  const header = [
    'database',
    'spend',
    'scenario',
    'conc',
    'ops',
    'failed',
    'seconds',
    'spends/s',
    'p50 ms',
    'p99 ms',
    'lock waiters',
    'hot/base',
  ];
  const rows = results.map((r) => {
    const base = results.find(
      (b) =>
        b.database === r.database &&
        b.kind === r.kind &&
        b.concurrency === r.concurrency &&
        b.spread === 'baseline',
    );
    const ratio = r.spread === 'hot' && base ? (rate(r) / rate(base)).toFixed(2) : '';
    const failed = r.failed + (Object.keys(r.failures).length ? ` ${JSON.stringify(r.failures)}` : '');
    return [
      r.database,
      r.kind === 'tip' ? 'tip' : 'ppv unlock',
      r.spread === 'hot' ? 'hot creator' : `random of ${CREATORS - 1}`,
      String(r.concurrency),
      String(r.ok),
      Object.keys(r.failures).length ? failed : '0',
      r.seconds.toFixed(2),
      rate(r).toFixed(0),
      quantile(r.latencies, 0.5).toFixed(2),
      quantile(r.latencies, 0.99).toFixed(2),
      r.lockSamples.length
        ? (r.lockSamples.reduce((a, b) => a + b, 0) / r.lockSamples.length).toFixed(1)
        : '-',
      ratio,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  // Tips vs PPV unlocks at the same spread and concurrency.
  console.log('');
  for (const r of results.filter((x) => x.kind === 'ppv')) {
    const tip = results.find(
      (t) =>
        t.kind === 'tip' &&
        t.database === r.database &&
        t.spread === r.spread &&
        t.concurrency === r.concurrency,
    );
    if (tip)
      console.log(
        `${r.database} ${r.spread} c=${r.concurrency}: ppv unlock / tip = ${(rate(r) / rate(tip)).toFixed(2)}`,
      );
  }
}

async function main() {
  const started = performance.now();
  console.log(
    `bench/economy ${new Date().toISOString()} · node ${process.version} · ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}) · load ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `fans=${FANS} creators=${CREATORS} concurrency=${CONCURRENCY} seconds/scenario=${SECONDS} in ${ROUNDS} rounds warm-up=${WARMUP_SECONDS}s tip=${TIP_COINS} ppv=${PPV_PRICE}`,
  );
  const all: Result[] = [];
  for (const target of TARGETS) {
    if (target === 'pglite') {
      const db = await Database.open({ migrationsDir: MIGRATIONS });
      try {
        all.push(...(await benchDatabase('pglite', db)));
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
          poolSize: CONCURRENCY + 1,
        });
        try {
          const v = await db.driver.query<{ v: string }>("select current_setting('server_version') as v");
          all.push(...(await benchDatabase(`postgres ${v.rows[0]!.v.split(' ')[0]}`, db)));
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
  console.log(
    `\nledger_invariant_violations() = 0 on every database · total ${((performance.now() - started) / 1000).toFixed(1)} s · load ${loadavg()[0]!.toFixed(2)}`,
  );
}

main().catch((err) => {
  console.error('bench/economy FAILED:', err);
  process.exit(1);
});
