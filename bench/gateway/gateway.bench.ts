/**
 * What the HTTP gateway costs per request: `GET /api/profiles/{handle}` through the real server (Hono app,
 * every middleware, served by @hono/node-server) against a bare `node:http` server doing the same database call
 * (`getPublicProfile`, one RLS transaction), in one process, on PGlite and on PostgreSQL.
 *
 * Variants, measured in interleaved rounds (the order rotates each round, so load from elsewhere on the
 * machine hits all of them alike):
 *   - bare: node:http + getPublicProfile(db, null, handle) (anonymous, like the app's anonymous path);
 *   - bare-user: node:http + getPublicProfile(db, claims, handle) with the claims decoded once up front
 *     (the database work of the signed-in path, with no verification at all);
 *   - app-anon: the real server, no token;
 *   - app-auth: the real server with a signed-in user's bearer token: JWT verification, the session check,
 *     the firewall observation, then the same call as that user.
 *
 * The load generator runs in a worker thread (its own event loop, same process) with keep-alive node:http
 * connections and a fixed number of requests in flight. Every response must be 200 with the profile's id,
 * otherwise the bench fails.
 *
 *   npx tsx bench/gateway/gateway.bench.ts            # PGlite, plus PostgreSQL when a URL is set
 *   TEST_DATABASE_URL=postgresql://… npx tsx bench/gateway/gateway.bench.ts
 *
 * Knobs (env): BENCH_SECONDS per scenario and round (1), BENCH_ROUNDS (3), BENCH_WARMUP_SECONDS (0.5),
 * BENCH_CONCURRENCY (10,50: in-flight requests), BENCH_VARIANTS (bare,bare-user,app-anon,app-auth),
 * BENCH_TARGETS (pglite,postgres), BENCH_DATABASE_URL or TEST_DATABASE_URL (admin URL; a scratch database is
 * created on it and dropped at the end), BENCH_LOG_LEVEL (info: the access log is written, to /dev/null).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { JwtClaims } from '@ipelya/db';
import { scratchDatabase } from '@ipelya/testing';
import pino from 'pino';
import { testEnv } from '../../apps/server/src/env.ts';
import { getPublicProfile } from '../../apps/server/src/profiles/profiles.service.ts';
import { createCore, startServer } from '../../apps/server/src/server.ts';

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
};
const list = (name: string, fallback: string) =>
  (process.env[name] || fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const SECONDS = num('BENCH_SECONDS', 1);
const ROUNDS = Math.floor(num('BENCH_ROUNDS', 3));
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 0.5);
const CONCURRENCY = list('BENCH_CONCURRENCY', '10,50').map(Number);
const VARIANTS = list('BENCH_VARIANTS', 'bare,bare-user,app-anon,app-auth') as Variant[];
const ADMIN_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || '';
const TARGETS = list('BENCH_TARGETS', ADMIN_URL ? 'pglite,postgres' : 'pglite');
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'info';
const MIGRATIONS = fileURLToPath(new URL('../../supabase/migrations', import.meta.url));
const SEED = fileURLToPath(new URL('../../supabase/seed.sql', import.meta.url));

type Variant = 'bare' | 'bare-user' | 'app-anon' | 'app-auth';
type Shot = { ok: number; failed: number; seconds: number; latencies: number[]; firstError?: string };

/** The load generator: plain JS, run in a worker so its event loop does not share the server's. */
const LOADGEN = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
parentPort.on('message', async ({ url, headers, concurrency, seconds, expect }) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const u = new URL(url);
  const latencies = [];
  let ok = 0, failed = 0, firstError;
  const one = () => new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        if (res.statusCode === 200 && body.includes(expect)) ok++;
        else { failed++; firstError ??= res.statusCode + ' ' + body.slice(0, 200); }
        resolve();
      });
    });
    req.on('error', (err) => { failed++; firstError ??= String(err); resolve(); });
    req.end();
  });
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) await one();
  }));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  parentPort.postMessage({ ok, failed, seconds: elapsed, latencies, firstError });
});
`;

const worker = new Worker(LOADGEN, { eval: true });
const shoot = (msg: {
  url: string;
  headers: Record<string, string>;
  concurrency: number;
  seconds: number;
  expect: string;
}) =>
  new Promise<Shot>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    worker.once('error', onError);
    worker.once('message', (shot: Shot) => {
      worker.off('error', onError);
      resolve(shot);
    });
    worker.postMessage(msg);
  });

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

async function signInOne(url: string, outbox: { latest(id: string): { code: string } | undefined }) {
  const email = `bench.${Date.now().toString(36)}@example.com`;
  const headers = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' };
  const sent = await fetch(`${url}/auth/v1/otp`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ email, create_user: true }),
  });
  if (!sent.ok) throw new Error(`otp: ${sent.status} ${await sent.text()}`);
  const code = outbox.latest(email)!.code;
  const verified = await fetch(`${url}/auth/v1/verify`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ email, token: code, type: 'email' }),
  });
  if (!verified.ok) throw new Error(`verify: ${verified.status} ${await verified.text()}`);
  return ((await verified.json()) as { access_token: string }).access_token;
}

type Row = { target: string; variant: Variant; concurrency: number } & Shot;

async function runTarget(target: string): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ipelya-bench-gateway-'));
  const pgdb = target === 'postgres' ? await scratchDatabase(ADMIN_URL) : null;
  const env = testEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    EMBEDDED_DB: 'memory',
    SEED_DEMO_DATA: 'true',
    SEED_FILE: SEED,
    MIGRATIONS_DIR: MIGRATIONS,
    RUN_JOBS: 'false',
    LOG_LEVEL,
    // Requests come from 127.0.0.1 (no network for the firewall); one trusted hop lets the bench name a
    // real network, so the firewall's sighting path runs as it would behind a load balancer.
    TRUST_PROXY_HOPS: '1',
    OTP_RESEND_COOLDOWN_SECONDS: '0',
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
  });
  // The access log is written as in production, to /dev/null, so its cost is counted.
  const log = pino({ level: LOG_LEVEL }, pino.destination({ dest: '/dev/null', sync: false }));
  const core = await createCore(env, log);
  const app = await startServer(env, core);
  const label = target === 'postgres' ? 'postgres' : 'pglite';
  try {
    const token = await signInOne(app.url, app.outbox!);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as JwtClaims;
    const { rows } = await core.db.driver.query<{ handle: string; id: string }>(
      `select handle, id from public.profiles where status = 'active' and kind = 'real' and handle is not null
       order by handle limit 1`,
    );
    const profile = rows[0];
    if (!profile) throw new Error('the seed has no public profile');
    const path = `/api/profiles/${profile.handle}`;

    const bareServer = (withClaims: JwtClaims | null) =>
      createServer(async (req, res) => {
        try {
          const handle = decodeURIComponent((req.url ?? '').slice('/api/profiles/'.length));
          const body = JSON.stringify(await getPublicProfile(core.db, withClaims, handle));
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        } catch (err) {
          res.writeHead(500).end(String(err));
        }
      });
    const bare = bareServer(null);
    const bareUser = bareServer(claims);
    const ports = { bare: await listen(bare), 'bare-user': await listen(bareUser) };
    const headers = (v: Variant): Record<string, string> =>
      v === 'app-auth'
        ? { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.7' }
        : { 'x-forwarded-for': '203.0.113.7' };
    const urlOf = (v: Variant) =>
      v === 'bare' || v === 'bare-user'
        ? `http://127.0.0.1:${ports[v]}${path}`
        : `http://127.0.0.1:${app.port}${path}`;

    for (const v of VARIANTS)
      await shoot({
        url: urlOf(v),
        headers: headers(v),
        concurrency: Math.max(...CONCURRENCY),
        seconds: WARMUP_SECONDS,
        expect: profile.id,
      });

    const totals = new Map<string, Row>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const concurrency of CONCURRENCY) {
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
        for (const v of order) {
          const shot = await shoot({
            url: urlOf(v),
            headers: headers(v),
            concurrency,
            seconds: SECONDS,
            expect: profile.id,
          });
          const key = `${v}|${concurrency}`;
          const t = totals.get(key) ?? {
            target: label,
            variant: v,
            concurrency,
            ok: 0,
            failed: 0,
            seconds: 0,
            latencies: [],
          };
          t.ok += shot.ok;
          t.failed += shot.failed;
          t.seconds += shot.seconds;
          for (const l of shot.latencies) t.latencies.push(l);
          t.firstError ??= shot.firstError;
          totals.set(key, t);
        }
      }
      console.log(`[${label}] round ${round + 1}/${ROUNDS} done`);
    }
    bare.close();
    bareUser.close();
    return [...totals.values()];
  } finally {
    await app.close();
    await pgdb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(
    `bench/gateway ${new Date().toISOString()} · node ${process.version} · ${availableParallelism()} cores (${
      cpus()[0]?.model ?? '?'
    }) · load ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `seconds/scenario=${SECONDS} in ${ROUNDS} rounds, concurrency=${CONCURRENCY.join(',')}, warm-up=${WARMUP_SECONDS}s, log level ${LOG_LEVEL}`,
  );
  const rows: Row[] = [];
  for (const target of TARGETS) rows.push(...(await runTarget(target)));
  await worker.terminate();

  console.log(
    '\n| database | variant   | conc | requests | failed | req/s | p50 ms | p99 ms | ×bare req/s | ×bare-user req/s |',
  );
  console.log(
    '|----------|-----------|------|----------|--------|-------|--------|--------|-------------|------------------|',
  );
  let failed = false;
  for (const r of rows) {
    const rps = r.ok / r.seconds;
    const ref = (v: Variant) => {
      const b = rows.find((x) => x.target === r.target && x.concurrency === r.concurrency && x.variant === v);
      return b ? (rps / (b.ok / b.seconds)).toFixed(2) : '-';
    };
    const sorted = r.latencies.sort((a, b) => a - b);
    console.log(
      `| ${r.target.padEnd(8)} | ${r.variant.padEnd(9)} | ${String(r.concurrency).padEnd(4)} | ${String(r.ok).padEnd(8)} | ${String(r.failed).padEnd(6)} | ${rps.toFixed(0).padEnd(5)} | ${pct(sorted, 50).toFixed(2).padEnd(6)} | ${pct(sorted, 99).toFixed(2).padEnd(6)} | ${ref('bare').padEnd(11)} | ${ref('bare-user').padEnd(16)} |`,
    );
    if (r.failed) {
      failed = true;
      console.error(`${r.target} ${r.variant}: ${r.failed} failed, first: ${r.firstError}`);
    }
  }
  if (failed) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
