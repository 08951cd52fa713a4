/**
 * Feed latency: the old feed query (all followed posts, sorted, limited) against the candidate-first one
 * (decision 021), each with RLS (as `authenticated`, the way requests run) and without (the database owner,
 * which bypasses RLS, with the same claims set), on PGlite and PostgreSQL, at growing platform sizes.
 *
 *   npx tsx bench/reads/reads.bench.ts                       # PGlite, plus PostgreSQL when a URL is set
 *   TEST_DATABASE_URL=postgresql://… npx tsx bench/reads/reads.bench.ts
 *
 * Knobs (env): BENCH_POST_SIZES (comma list, default 10000,100000; add 1000000 for the big one),
 * BENCH_USERS (1000; each has a real and a shadow persona), BENCH_CREATORS (1000 real creators, every third
 * also a shadow creator), BENCH_FOLLOWS (50 per persona), BENCH_ROUNDS (3), BENCH_MS_PER_VARIANT (600 per
 * round), BENCH_LIMIT (20), BENCH_TARGETS (pglite,postgres), BENCH_DATABASE_URL or TEST_DATABASE_URL.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Database, type JwtClaims, type Queryable } from '@ipelya/db';
import { scratchDatabase } from '@ipelya/testing';
import { feed, feedQuery } from '../../apps/server/src/content/posts.service.ts';
import { seedReads } from '../../apps/server/test/reads-seed.ts';

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
};
const SIZES = (process.env.BENCH_POST_SIZES ?? '10000,100000').split(',').map((s) => Number(s.trim()));
const USERS = Math.floor(num('BENCH_USERS', 1000));
const CREATORS = Math.floor(num('BENCH_CREATORS', 1000));
const FOLLOWS = Math.floor(num('BENCH_FOLLOWS', 50));
const ROUNDS = Math.floor(num('BENCH_ROUNDS', 3));
const MS = num('BENCH_MS_PER_VARIANT', 600);
const LIMIT = Math.floor(num('BENCH_LIMIT', 20));
const ADMIN_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || '';
const TARGETS = (process.env.BENCH_TARGETS ?? (ADMIN_URL ? 'pglite,postgres' : 'pglite'))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const MIGRATIONS = fileURLToPath(new URL('../../supabase/migrations', import.meta.url));

// The feed as it was before decision 021 (the reference text of apps/server/src/content/feed-equivalence.test.ts).
const OLD_FEED = `
  select p.id, to_char(coalesce(p.published_at, p.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as published_cursor_at, to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_cursor_at, p.author_id, p.visibility, p.price_coins, p.status, p.publish_at, p.published_at, p.is_demo, p.created_at,
         a.kind as author_kind, a.handle as author_handle, a.display_name as author_display_name, a.avatar_media_id as author_avatar,
         public.can_access_post(p.id) as unlocked, public.is_screenshot_blurred_for(p.author_id) as blurred, pc.body,
         (select coalesce(array_agg(pm.media_id order by pm.position), '{}') from public.post_media pm where pm.post_id = p.id) as media_ids
  from public.posts p
  join public.profiles a on a.id = p.author_id
  left join public.post_contents pc on pc.post_id = p.id
       where p.status = 'published'
         and p.author_id in (select f.followee_id from public.follows f where f.follower_id = public.current_persona_id())
         and ($1::timestamptz is null or (p.published_at, p.id) < ($1::timestamptz, $2::uuid))
       order by p.published_at desc, p.id desc limit $3`;

type Variant = 'old rls' | 'old no-rls' | 'new rls' | 'new no-rls';
const VARIANTS: Variant[] = ['old rls', 'old no-rls', 'new rls', 'new no-rls'];

/** Owner connection with the viewer's claims set: the same SQL, no policies (the owner bypasses RLS). */
function asOwner<T>(db: Database, claims: JwtClaims, fn: (tx: Queryable) => Promise<T>) {
  return db.driver.transaction(async (tx) => {
    await tx.query(
      `select set_config('request.jwt.claims', $1, true), set_config('request.jwt.claim.sub', $2, true)`,
      [JSON.stringify(claims), String(claims.sub)],
    );
    return fn(tx);
  });
}

async function runVariant(db: Database, v: Variant, claims: JwtClaims): Promise<number> {
  if (v === 'new rls') return (await feed(db, claims, { limit: LIMIT })).items.length;
  const q = v === 'new no-rls' ? feedQuery(null, LIMIT) : { text: OLD_FEED, values: [null, null, LIMIT + 1] };
  const run = (tx: Queryable) => tx.query(q.text, q.values).then((r) => Math.min(r.rows.length, LIMIT));
  return v === 'old rls' ? db.asUser(claims, run) : asOwner(db, claims, run);
}

/** Function calls one page makes, counted in the transaction (track_functions = 'all', set by the owner). */
async function policyCalls(db: Database, v: Variant, claims: JwtClaims): Promise<number | null> {
  const q = v.startsWith('new')
    ? feedQuery(null, LIMIT)
    : { text: OLD_FEED, values: [null, null, LIMIT + 1] };
  try {
    return await db.driver.transaction(async (tx) => {
      await tx.query(`set local track_functions = 'all'`);
      await tx.query(
        `select set_config('request.jwt.claims', $1, true), set_config('request.jwt.claim.sub', $2, true)`,
        [JSON.stringify(claims), String(claims.sub)],
      );
      if (v.endsWith(' rls')) await tx.query('set local role authenticated');
      await tx.query(q.text, q.values);
      const { rows } = await tx.query<{ n: string | null }>(
        `select sum(calls) as n from pg_stat_xact_user_functions where schemaname = 'public'`,
      );
      return Number(rows[0]?.n ?? 0);
    });
  } catch {
    return null;
  }
}

const p50 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};

type Row = {
  database: string;
  posts: number;
  samples: Record<Variant, number[]>;
  calls: Record<Variant, number | null>;
  rows: number;
};

async function benchTarget(target: string, size: number): Promise<Row> {
  const scratch = target === 'postgres' ? await scratchDatabase(ADMIN_URL, 'ipelya_bench') : null;
  const db = await Database.open({ url: scratch?.url, migrationsDir: MIGRATIONS, poolSize: 2 });
  try {
    const version = (
      await db.driver.query<{ v: string }>("select current_setting('server_version') as v")
    ).rows[0]!.v.split(' ')[0];
    const database = target === 'postgres' ? `postgres ${version}` : 'pglite';
    const t0 = performance.now();
    const creatorPersonas = CREATORS + Math.floor(CREATORS / 3);
    const { viewers } = await seedReads(db, {
      users: Math.max(USERS, CREATORS),
      creators: CREATORS,
      postsPerCreator: Math.max(1, Math.round(size / creatorPersonas)),
      followsPerPersona: FOLLOWS,
      blockRate: 0.01,
      unlockRate: 0.02,
      extras: false,
    });
    const { rows: counts } = await db.driver.query<{ posts: string; follows: string }>(
      `select (select count(*) from public.posts) as posts, (select count(*) from public.follows) as follows`,
    );
    console.log(
      `[${database}] seeded ${counts[0]!.posts} posts, ${counts[0]!.follows} follows, ${viewers.length} personas in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const sample = viewers.filter((v) => v.kind === 'real').slice(0, 25);
    const samples = Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
    let shown = 0;
    // Warm-up: plans cached, pages in memory, for every variant.
    for (const v of VARIANTS) await runVariant(db, v, sample[0]!.claims);
    let k = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved: every round runs every variant for the same budget, order rotating, same viewers.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      for (const v of order) {
        const end = performance.now() + MS;
        let i = 0;
        do {
          const viewer = sample[(k + i++) % sample.length]!;
          const t = performance.now();
          shown += await runVariant(db, v, viewer.claims);
          samples[v].push(performance.now() - t);
        } while (performance.now() < end);
      }
      k += 3;
      console.log(`[${database}] ${size} posts: round ${round + 1}/${ROUNDS} done`);
    }
    const calls = {} as Record<Variant, number | null>;
    // Mean over the first 5 viewers: the count depends on whom one follows (a shadow author costs firewall
    // checks per row), so one viewer is not representative.
    for (const v of VARIANTS) {
      const counts: (number | null)[] = [];
      for (const viewer of sample.slice(0, 5)) counts.push(await policyCalls(db, v, viewer.claims));
      calls[v] = counts.some((c) => c === null)
        ? null
        : Math.round((counts as number[]).reduce((a, b) => a + b, 0) / counts.length);
    }
    return { database, posts: Number(counts[0]!.posts), samples, calls, rows: shown };
  } finally {
    await db.close();
    await scratch?.drop();
  }
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));

async function main() {
  const started = performance.now();
  console.log(
    `bench/reads ${new Date().toISOString()} · node ${process.version} · ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}) · load ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `users=${USERS} creators=${CREATORS} follows/persona=${FOLLOWS} limit=${LIMIT} rounds=${ROUNDS} ms/variant/round=${MS} sizes=${SIZES.join(',')}`,
  );
  const results: Row[] = [];
  for (const target of TARGETS) {
    if (target === 'postgres' && !ADMIN_URL)
      throw new Error('postgres target needs BENCH_DATABASE_URL or TEST_DATABASE_URL');
    for (const size of SIZES) results.push(await benchTarget(target, size));
  }
  console.log(
    '\n| database | posts | old rls p50 ms | old no-rls | new rls | new no-rls | new/old (rls) | new/old (no-rls) | rls/no-rls old | rls/no-rls new | samples (old rls / new rls) | fn calls/page (mean of 5 viewers) old rls | new rls |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const m = Object.fromEntries(VARIANTS.map((v) => [v, p50(r.samples[v])])) as Record<Variant, number>;
    console.log(
      `| ${r.database} | ${r.posts} | ${fmt(m['old rls'])} | ${fmt(m['old no-rls'])} | ${fmt(m['new rls'])} | ${fmt(m['new no-rls'])} | ${(m['new rls'] / m['old rls']).toFixed(3)} | ${(m['new no-rls'] / m['old no-rls']).toFixed(3)} | ${(m['old rls'] / m['old no-rls']).toFixed(1)} | ${(m['new rls'] / m['new no-rls']).toFixed(1)} | ${r.samples['old rls'].length} / ${r.samples['new rls'].length} | ${r.calls['old rls'] ?? '-'} | ${r.calls['new rls'] ?? '-'} |`,
    );
  }
  console.log(
    `\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s · load ${loadavg()[0]!.toFixed(2)}`,
  );
}

await main();
