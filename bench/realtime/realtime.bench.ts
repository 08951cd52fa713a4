/**
 * Realtime fan-out under load, on PGlite and on PostgreSQL: the real server (startServer: HTTP, auth,
 * realtime, RLS) in this process, the clients in a child process (this file again, BENCH_ROLE=clients), so the
 * server's CPU is this process's CPU and the clients' is the child's.
 *
 *  - Seeds N personas (auth.users rows; the sign-up trigger makes the personas), one session each, access
 *    tokens minted from `custom_access_token_hook` claims and signed like the embedded auth server signs them,
 *    and N/2 active 1:1 conversations pairing them.
 *  - The child opens one realtime socket per persona (first-frame auth, like the apps), then sends real
 *    messages over HTTP (POST /api/conversations/{id}/messages: session check, RLS send, trigger NOTIFY) at a
 *    fixed open-loop rate; each body carries a sequence number. Delivery latency = the recipient socket's
 *    receipt − the start of the HTTP request, in the child's clock.
 *  - Rates (idle trickle, then 50/200/1000 msg/s by default) run interleaved in BENCH_ROUNDS rounds, the order
 *    alternating, so load from elsewhere on the machine hits every rate alike; ratios are against idle.
 *  - Per phase: HTTP sends accepted/s, deliveries/s, latency p50/p95/p99, deliveries missing after a drain,
 *    database transactions per message (counted in-process on the driver, every transaction of the server; on
 *    PostgreSQL also pg_stat_database.xact_commit delta), CPU of the server process, of the child (clients),
 *    and on PostgreSQL of this database's backends (/proc), and the realtime dispatcher's backpressure
 *    counters (sockets closed as slow, queue overloads).
 *
 *   npx tsx bench/realtime/realtime.bench.ts                       # PGlite, plus PostgreSQL when a URL is set
 *   TEST_DATABASE_URL=postgresql://… npx tsx bench/realtime/realtime.bench.ts
 *
 * Knobs (env): BENCH_SOCKETS (1000, even), BENCH_RATES (50,200,1000), BENCH_IDLE_RATE (5), BENCH_SECONDS per
 * phase (2), BENCH_ROUNDS (2), BENCH_INFLIGHT max HTTP sends in flight (256; a send due while the cap is hit is
 * skipped and counted), BENCH_DRAIN_SECONDS (3), BENCH_TARGETS (pglite,postgres), BENCH_DATABASE_URL or
 * TEST_DATABASE_URL (admin URL; a scratch database is created on it and dropped at the end).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { JwtClaims, Queryable } from '@ipelya/db';
import { scratchDatabase } from '@ipelya/testing';
import { WebSocket } from 'ws';

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
};

type Phase = { rate: number; seconds: number };
type PhaseResult = {
  rate: number;
  seconds: number;
  sent: number;
  ok: number;
  failed: number;
  skipped: number;
  delivered: number;
  missing: number;
  p50: number;
  p95: number;
  p99: number;
  httpP50: number;
  clientCpuMs: number;
  closed: number;
};

// ---------------------------------------------------------------------------------------------- clients (child)

async function clients(): Promise<void> {
  const cfg = JSON.parse(readFileSync(process.env.BENCH_CONFIG!, 'utf8')) as {
    url: string;
    tokens: string[];
    convs: { id: string; a: number; b: number }[];
    inflight: number;
    drainSeconds: number;
  };
  const sentAt = new Map<number, { at: number; to: number }>();
  const latencies: number[] = [];
  const httpLatencies: number[] = [];
  let delivered = 0;
  let closed = 0;
  const sockets: WebSocket[] = [];
  const wsUrl = `${cfg.url.replace(/^http/, 'ws')}/realtime/v1/websocket`;
  const open = (i: number) =>
    new Promise<void>((ok, fail) => {
      const ws = new WebSocket(wsUrl);
      ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', access_token: cfg.tokens[i] })));
      ws.once('error', fail);
      let ready = false;
      ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString()) as { type: string; message?: { body: string } };
        if (!ready) {
          ready = true;
          return m.type === 'ready' ? ok() : fail(new Error(`socket ${i}: ${raw}`));
        }
        if (m.type !== 'message' || !m.message) return;
        const seq = Number(m.message.body.slice(2));
        const s = sentAt.get(seq);
        if (s && s.to === i) {
          latencies.push(performance.now() - s.at);
          delivered++;
          sentAt.delete(seq);
        }
      });
      ws.on('close', () => {
        if (ready) closed++;
      });
      sockets[i] = ws;
    });
  for (let i = 0; i < cfg.tokens.length; i += 50)
    await Promise.all(cfg.tokens.slice(i, i + 50).map((_, k) => open(i + k)));

  let seq = 0;
  let conv = 0;
  const send = async (): Promise<boolean> => {
    const c = cfg.convs[conv++ % cfg.convs.length]!;
    const n = seq++;
    // The sender alternates within a conversation; the other member's socket measures the delivery.
    const [from, to] = n % 2 ? [c.b, c.a] : [c.a, c.b];
    const at = performance.now();
    sentAt.set(n, { at, to });
    try {
      const res = await fetch(`${cfg.url}/api/conversations/${c.id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cfg.tokens[from]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ body: `b:${n}` }),
      });
      await res.arrayBuffer();
      httpLatencies.push(performance.now() - at);
      if (!res.ok) sentAt.delete(n);
      return res.ok;
    } catch {
      sentAt.delete(n);
      return false;
    }
  };

  const run = async (p: Phase): Promise<PhaseResult> => {
    latencies.length = 0;
    httpLatencies.length = 0;
    delivered = 0;
    sentAt.clear();
    const cpu0 = process.cpuUsage();
    const closed0 = closed;
    let sent = 0;
    let ok = 0;
    let failed = 0;
    let skipped = 0;
    let inflight = 0;
    const pending: Promise<void>[] = [];
    const total = Math.round(p.rate * p.seconds);
    const start = performance.now();
    // Open loop: send i is due at start + i / rate, whether or not earlier sends have returned.
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / p.rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      if (inflight >= cfg.inflight) {
        skipped++;
        continue;
      }
      sent++;
      inflight++;
      pending.push(
        send().then((good) => {
          inflight--;
          if (good) ok++;
          else failed++;
        }),
      );
    }
    await Promise.all(pending);
    const until = performance.now() + cfg.drainSeconds * 1000;
    while (sentAt.size && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    const sorted = [...latencies].sort((a, b) => a - b);
    const http = [...httpLatencies].sort((a, b) => a - b);
    const q = (f: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]! : NaN;
    const cpu = process.cpuUsage(cpu0);
    return {
      rate: p.rate,
      seconds: (performance.now() - start) / 1000,
      sent,
      ok,
      failed,
      skipped,
      delivered,
      missing: sentAt.size,
      p50: q(0.5),
      p95: q(0.95),
      p99: q(0.99),
      httpP50: http.length ? http[Math.floor(0.5 * http.length)]! : NaN,
      clientCpuMs: (cpu.user + cpu.system) / 1000,
      closed: closed - closed0,
    };
  };

  process.stdout.write(`${JSON.stringify({ ready: sockets.length })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'quit') break;
    const phase = JSON.parse(line) as Phase;
    const result = await run(phase);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  for (const s of sockets) s.terminate();
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------- bench (parent)

async function bench(): Promise<void> {
  const SOCKETS = Math.floor(num('BENCH_SOCKETS', 1000) / 2) * 2;
  const RATES = (process.env.BENCH_RATES || '50,200,1000').split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isFinite(n) || n <= 0) throw new Error(`BENCH_RATES: bad rate ${s}`);
    return n;
  });
  const IDLE_RATE = num('BENCH_IDLE_RATE', 5);
  const SECONDS = num('BENCH_SECONDS', 2);
  const ROUNDS = Math.floor(num('BENCH_ROUNDS', 2));
  const INFLIGHT = Math.floor(num('BENCH_INFLIGHT', 256));
  const DRAIN = num('BENCH_DRAIN_SECONDS', 3);
  const ADMIN_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || '';
  const TARGETS = (process.env.BENCH_TARGETS ?? (ADMIN_URL ? 'pglite,postgres' : 'pglite'))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const { startServer } = await import('../../apps/server/src/server.ts');
  const { testEnv } = await import('../../apps/server/src/env.ts');
  const { signAccessToken } = await import('../../apps/server/src/auth/tokens.ts');

  console.log(
    `bench/realtime ${new Date().toISOString()} · node ${process.version} · ${availableParallelism()} cores (${cpus()[0]?.model.trim()}) · load ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `sockets=${SOCKETS} conversations=${SOCKETS / 2} rates=idle(${IDLE_RATE}),${RATES.join(',')} msg/s seconds/phase=${SECONDS} rounds=${ROUNDS} inflight=${INFLIGHT}`,
  );
  const rows: string[] = [];
  const ratios: string[] = [];
  const extra: string[] = [];
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

  for (const target of TARGETS) {
    if (target === 'postgres' && !ADMIN_URL) throw new Error('postgres target needs TEST_DATABASE_URL');
    const scratch = target === 'postgres' ? await scratchDatabase(ADMIN_URL, 'bench_realtime') : null;
    // Per-function timings for the profile line (node-postgres passes PGOPTIONS to every pooled connection).
    if (scratch)
      process.env.PGOPTIONS = `-c track_functions=all${process.env.BENCH_SYNCHRONOUS_COMMIT ? ` -c synchronous_commit=${process.env.BENCH_SYNCHRONOUS_COMMIT}` : ''}`;
    const env = testEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      EMBEDDED_DB: 'memory',
      DATA_DIR: join(tmpdir(), `ipelya-bench-realtime-${process.pid}`),
      SEED_DEMO_DATA: 'false',
      RUN_JOBS: 'false',
      WRITE_RATE_PER_MINUTE: '10000000',
      LOG_LEVEL: 'warn',
      ...(process.env.BENCH_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE } : {}),
      ...(process.env.BENCH_DISPATCH_CONCURRENCY
        ? { REALTIME_DISPATCH_CONCURRENCY: process.env.BENCH_DISPATCH_CONCURRENCY }
        : {}),
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    });
    const server = await startServer(env);
    const db = server.db;
    let label: string = target;
    let child: ChildProcess | null = null;
    try {
      if (scratch) {
        const v = await db.service('bench', (tx) =>
          tx.query<{ v: string }>(`select current_setting('server_version') as v`),
        );
        label = `postgres ${v.rows[0]!.v.split(' ')[0]}`;
      }
      // Every transaction of the server goes through driver.transaction: count them.
      let transactions = 0;
      const driver = db.driver as { transaction: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T> };
      const original = driver.transaction.bind(db.driver);
      driver.transaction = (fn) => {
        transactions++;
        return original(fn);
      };

      const t0 = performance.now();
      const { tokens, convs } = await db.service('bench:seed', async (tx) => {
        const users = await tx.query<{ id: string }>(
          `insert into auth.users (email, email_confirmed_at, raw_app_meta_data)
           select 'bench.rt.' || i || '@example.com', now(), '{"provider":"email","providers":["email"]}'
           from generate_series(1, $1::int) i returning id`,
          [SOCKETS],
        );
        const claims = await tx.query<{ claims: JwtClaims }>(
          `with s as (insert into auth.sessions (user_id) select unnest($1::uuid[]) returning id, user_id)
           select (public.custom_access_token_hook(jsonb_build_object(
                    'user_id', s.user_id,
                    'claims', jsonb_build_object('sub', s.user_id, 'role', 'authenticated', 'aud', 'authenticated',
                                                 'session_id', s.id)))) -> 'claims' as claims
           from s`,
          [users.rows.map((r) => r.id)],
        );
        const personas = claims.rows.map((r) => r.claims.persona_id!);
        const pairs = Array.from({ length: SOCKETS / 2 }, (_, i) => [personas[2 * i]!, personas[2 * i + 1]!]);
        const conv = await tx.query<{ id: string }>(
          `insert into public.conversations (kind) select 'real' from generate_series(1, $1::int) returning id`,
          [pairs.length],
        );
        await tx.query(
          `insert into public.conversation_members (conversation_id, profile_id, state)
           select c, p, 'active' from unnest($1::uuid[], $2::uuid[]) as x(c, p)`,
          [conv.rows.flatMap((r) => [r.id, r.id]), pairs.flat()],
        );
        const issuer = `${env.PUBLIC_URL}/auth/v1`;
        const tokens = await Promise.all(
          claims.rows.map(async (r) => (await signAccessToken(env.JWT_SECRET, issuer, r.claims, 3600)).token),
        );
        return { tokens, convs: conv.rows.map((r, i) => ({ id: r.id, a: 2 * i, b: 2 * i + 1 })) };
      });
      const configFile = join(tmpdir(), `ipelya-bench-realtime-${process.pid}.json`);
      writeFileSync(
        configFile,
        JSON.stringify({
          url: server.url.replace('localhost', '127.0.0.1'),
          tokens,
          convs,
          inflight: INFLIGHT,
          drainSeconds: DRAIN,
        }),
      );
      child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
        env: { ...process.env, BENCH_ROLE: 'clients', BENCH_CONFIG: configFile },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const next = async () => JSON.parse((await lines.next()).value as string);
      await next(); // sockets ready
      console.log(
        `[${label}] seeded ${SOCKETS} personas, ${SOCKETS / 2} conversations, ${server.realtime.connections} sockets connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      const backends = async () =>
        scratch
          ? (
              await db.service('bench', (tx) =>
                tx.query<{ pid: number }>(
                  'select pid from pg_stat_activity where datname = current_database()',
                ),
              )
            ).rows.map((r) => r.pid)
          : [];
      const ticks = (pids: number[]) =>
        pids.reduce((sum, pid) => {
          try {
            const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
            return sum + Number(f[11]) + Number(f[12]); // utime + stime, in 1/100 s
          } catch {
            return sum;
          }
        }, 0);
      const commits = async () =>
        scratch
          ? Number(
              (
                await db.service('bench', (tx) =>
                  tx.query<{ n: string }>(
                    'select xact_commit as n from pg_stat_database where datname = current_database()',
                  ),
                )
              ).rows[0]!.n,
            )
          : NaN;

      const x0 = await commits();
      let benchTx = 1; // the commits() above
      let okTotal = 0;
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const runPhase = async (p: Phase) => {
        const pids = await backends();
        benchTx += 1;
        const pg0 = ticks(pids);
        const tx0 = transactions;
        const cpu0 = process.cpuUsage();
        const stats0 = { ...server.realtime.stats };
        lag.reset();
        child!.stdin!.write(`${JSON.stringify(p)}\n`);
        const r = (await next()) as PhaseResult;
        okTotal += r.ok;
        await server.realtime.idle();
        const cpu = process.cpuUsage(cpu0);
        const tx = transactions - tx0;
        const pgMs = (ticks(pids) - pg0) * 10;
        return {
          ...r,
          txPerMsg: tx / Math.max(1, r.ok),
          serverCpu: (cpu.user + cpu.system) / 1000 / (r.seconds * 1000),
          clientCpu: r.clientCpuMs / (r.seconds * 1000),
          pgCpu: scratch ? pgMs / (r.seconds * 1000) : NaN,
          lagP99: lag.percentile(99) / 1e6,
          slow: server.realtime.stats.slowClosed - stats0.slowClosed,
          overloads: server.realtime.stats.overloads - stats0.overloads,
        };
      };

      // Warm-up: every sender's first request (firewall identity memo, plan caches), at a moderate rate.
      await runPhase({ rate: 200, seconds: Math.max(1, SOCKETS / 200) });
      console.log(`[${label}] warm-up done`);
      type Result = Awaited<ReturnType<typeof runPhase>>;
      const results = new Map<number, Result[]>();
      const all = [IDLE_RATE, ...RATES];
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 ? [...all].reverse() : all;
        for (const rate of order) {
          const r = await runPhase({
            rate,
            seconds: rate === IDLE_RATE ? Math.max(SECONDS, 10 / rate) : SECONDS,
          });
          results.set(rate, [...(results.get(rate) ?? []), r]);
        }
        console.log(`[${label}] round ${round + 1}/${ROUNDS} done`);
      }
      const med = (xs: number[]) => {
        const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
        return s.length ? s[Math.floor(s.length / 2)]! : NaN;
      };
      const agg = (rate: number) => {
        const rs = results.get(rate)!;
        const sum = (k: keyof Result) => rs.reduce((s, r) => s + (r[k] as number), 0);
        const secs = sum('seconds');
        return {
          rate,
          sent: sum('sent'),
          ok: sum('ok'),
          failed: sum('failed'),
          skipped: sum('skipped'),
          delivered: sum('delivered'),
          missing: sum('missing'),
          achieved: sum('ok') / secs,
          deliveredPerS: sum('delivered') / secs,
          p50: med(rs.map((r) => r.p50)),
          p95: med(rs.map((r) => r.p95)),
          p99: med(rs.map((r) => r.p99)),
          txPerMsg: sum('txPerMsg') / rs.length,
          httpP50: med(rs.map((r) => r.httpP50)),
          serverCpu: med(rs.map((r) => r.serverCpu)),
          clientCpu: med(rs.map((r) => r.clientCpu)),
          pgCpu: med(rs.map((r) => r.pgCpu)),
          lagP99: med(rs.map((r) => r.lagP99)),
          slow: sum('slow'),
          overloads: sum('overloads'),
        };
      };
      const idle = agg(IDLE_RATE);
      for (const rate of all) {
        const a = agg(rate);
        rows.push(
          `| ${label.padEnd(14)} | ${rate === IDLE_RATE ? `idle ${rate}` : String(rate)} | ${a.ok} | ${a.failed + a.skipped} | ${f(a.achieved, 0)} | ${f(a.deliveredPerS, 0)} | ${a.missing} | ${f(a.p50)} | ${f(a.p95)} | ${f(a.p99)} | ${f(a.httpP50)} | ${f(a.txPerMsg, 2)} | ${f(a.serverCpu * 100, 0)}% | ${f(a.pgCpu * 100, 0)}% | ${f(a.clientCpu * 100, 0)}% | ${f(a.lagP99, 0)} | ${a.slow}/${a.overloads} |`,
        );
        if (rate !== IDLE_RATE)
          ratios.push(
            `${label} ${rate} msg/s vs idle: p50 ×${f(a.p50 / idle.p50, 2)}, p95 ×${f(a.p95 / idle.p95, 2)}, p99 ×${f(a.p99 / idle.p99, 2)}; achieved ${f((a.achieved / rate) * 100, 0)} % of the asked rate`,
          );
      }
      if (scratch) {
        // pg_stat_database and pg_stat_user_functions are flushed by idle backends after up to 10 s.
        await new Promise((res) => setTimeout(res, 11_000));
        const xacts = (await commits()) - x0 - benchTx;
        extra.push(
          `[${label}] pg_stat_database.xact_commit: ${xacts} commits for ${okTotal} messages = ${f(xacts / okTotal, 2)} per message (whole run incl. warm-up and the bench's own queries subtracted; server-counted: see tx/msg)`,
        );
        const fns = await db.service('bench', (tx) =>
          tx.query<{ funcname: string; calls: string; self_time: number }>(
            `select funcname, calls, self_time from pg_stat_user_functions order by self_time desc limit 8`,
          ),
        );
        extra.push(
          `[${label}] top functions by self time (track_functions=all, whole run incl. warm-up): ${fns.rows
            .map((r) => `${r.funcname} ${f(r.self_time / Number(r.calls), 3)} ms × ${r.calls}`)
            .join(', ')}`,
        );
      }
      child.stdin!.write('quit\n');
      await new Promise((r) => child!.once('exit', r));
      child = null;
      driver.transaction = original;
    } finally {
      child?.kill();
      await server.close();
      await scratch?.drop();
    }
  }

  console.log('');
  console.log(
    '| database       | msg/s asked | sent ok | failed+skipped | sent/s | delivered/s | missing | p50 ms | p95 ms | p99 ms | HTTP p50 ms | tx/msg | server CPU | pg CPU | clients CPU | loop lag p99 ms | slow/overload |',
  );
  console.log(
    '|----------------|-------------|---------|----------------|--------|-------------|---------|--------|--------|--------|-------------|--------|------------|--------|-------------|-----------------|---------------|',
  );
  for (const r of rows) console.log(r);
  console.log('');
  for (const r of ratios) console.log(r);
  for (const r of extra) console.log(r);
}

if (process.env.BENCH_ROLE === 'clients') await clients();
else await bench();
