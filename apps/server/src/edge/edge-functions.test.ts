import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LOCAL_ANON_KEY } from '@ipelya/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbTarget, dbTargets, freshPostgresDatabase } from '../../test/harness.ts';
import { CRON_SECRET_HEADER } from './edge-core.ts';

// The real Deno binary runs the real edge functions; requests go over HTTP the way Supabase routes them.
const REPO = resolve(import.meta.dirname, '../../../..');
const DENO = join(REPO, 'node_modules/.bin/deno');
const ROUTER = join(REPO, 'supabase/functions/_shared/local-router.ts');
const CRON_SECRET = 'edge-test-cron-secret-0123456789';
const SERVICE_ROLE_KEY = 'edge-test-service-role-key-0123456789';
const BOOT_TIMEOUT_MS = 120_000;

type EdgeProcess = { url: string; stop: () => Promise<void> };

/** Starts supabase/functions/_shared/local-router.ts under Deno; resolves once it prints its port. */
function startFunctions(env: Record<string, string>): Promise<EdgeProcess> {
  const proc: ChildProcess = spawn(
    DENO,
    // --no-check: type-checking the server graph would make a cold start far slower; --cached-only and
    // --no-remote: everything comes from node_modules, Deno must never reach the network.
    [
      'run',
      '--allow-all',
      '--no-check',
      '--cached-only',
      '--no-remote',
      '--config',
      join(REPO, 'deno.json'),
      ROUTER,
    ],
    {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        DENO_NO_UPDATE_CHECK: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((done) => proc.once('exit', () => done()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`edge functions did not start within ${BOOT_TIMEOUT_MS} ms:\n${output}`));
    }, BOOT_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.includes('"edge functions listening"'));
      if (!line) return;
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      resolvePromise({ url: `http://127.0.0.1:${port}`, stop });
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`deno exited with ${code}:\n${output}`));
    });
  });
}

async function call(
  url: string,
  method: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await fetch(url, {
    method,
    headers: {
      apikey: LOCAL_ANON_KEY,
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

let counter = 0;
const uniqueEmail = () => `edge.${Date.now().toString(36)}.${++counter}@example.com`;

describe.each(dbTargets())('edge functions under Deno (%s)', (target: DbTarget) => {
  const started: EdgeProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  /** https://<ref>.supabase.co/functions/v1/api — the server root, as clients see it. */
  let api = '';
  let job = '';
  let cleaner = '';
  let functionsBase = '';

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ipelya-edge-test-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const env: Record<string, string> = {
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      EMBEDDED_DB: 'memory',
      SEED_DEMO_DATA: 'false',
      OTP_RESEND_COOLDOWN_SECONDS: '0',
      OTP_MAX_PER_IDENTIFIER_PER_HOUR: '1000',
      OTP_MAX_PER_IP_PER_HOUR: '100000',
      VERIFY_MAX_PER_IP_PER_HOUR: '100000',
      WRITE_RATE_PER_MINUTE: '100000',
      CRON_SECRET,
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
    };
    if (target === 'postgres') {
      // Like Supabase: each function its own process (isolate), sharing only the database.
      const db = await freshPostgresDatabase();
      cleanups.push(db.drop);
      const [a, j] = await Promise.all([
        startFunctions({ ...env, DATABASE_URL: db.url, EDGE_FUNCTIONS: 'api' }),
        startFunctions({
          ...env,
          DATABASE_URL: db.url,
          EDGE_FUNCTIONS: 'publish-scheduled,shadow-cache-cleaner',
        }),
      ]);
      started.push(a, j);
      api = `${a.url}/functions/v1/api`;
      job = `${j.url}/functions/v1/publish-scheduled`;
      cleaner = `${j.url}/functions/v1/shadow-cache-cleaner`;
    } else {
      // PGlite lives in one process's memory, so both functions share one Deno process.
      const both = await startFunctions(env);
      started.push(both);
      api = `${both.url}/functions/v1/api`;
      job = `${both.url}/functions/v1/publish-scheduled`;
      cleaner = `${both.url}/functions/v1/shadow-cache-cleaner`;
      functionsBase = `${both.url}/functions/v1`;
    }
  }, BOOT_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    for (const c of cleanups.reverse()) await c().catch(() => {});
  }, 30_000);

  async function signIn(email = uniqueEmail()) {
    const otp = await call(`${api}/auth/v1/otp`, 'POST', { body: { email, create_user: true } });
    expect(otp.status).toBe(200);
    const sent = await call(`${api}/dev/outbox/latest?to=${encodeURIComponent(email)}`, 'GET');
    expect(sent.status).toBe(200);
    const verified = await call(`${api}/auth/v1/verify`, 'POST', {
      body: { type: 'email', email, token: sent.json.code },
    });
    expect(verified.status).toBe(200);
    return {
      email,
      accessToken: verified.json.access_token as string,
      refreshToken: verified.json.refresh_token as string,
    };
  }

  it('routes payment-webhook and coin-purchase to the same webhook and checkout code', async () => {
    if (!functionsBase) return; // PostgreSQL run starts only the api and publish-scheduled functions
    const hook = await call(`${functionsBase}/payment-webhook/local`, 'POST', { body: { id: 'evt_1' } });
    expect(hook.status).toBe(401);
    expect(hook.json.error.code).toBe('invalid_signature');
    const purchase = await call(`${functionsBase}/coin-purchase`, 'POST', {
      body: {},
      headers: { 'idempotency-key': 'edge-test-key' },
    });
    expect(purchase.status).toBe(400); // validated by the checkout route itself
    expect(purchase.json.error.details.fields[0].path).toBe('package_id');
    const jobRefused = await call(`${functionsBase}/subscription-renewals`, 'POST');
    expect(jobRefused.status).toBe(401);
  });

  it('serves /api/health from the api function (first request waits for the cold start)', async () => {
    const res = await call(`${api}/api/health`, 'GET');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, database: target });
  }, 90_000);

  it('signs in through the Supabase-compatible OTP flow and returns the real persona from /api/me', async () => {
    const { email, accessToken } = await signIn();
    const me = await call(`${api}/api/me`, 'GET', { token: accessToken });
    expect(me.status).toBe(200);
    expect(me.json.persona).toBe('real');
    expect(me.json.email).toBe(email);
    expect(me.json.active_profile.kind).toBe('real');
    expect(me.json.real_profile.id).toBe(me.json.active_profile.id);
    expect((await call(`${api}/api/me`, 'GET')).status).toBe(401);
  });

  it('publish-scheduled refuses callers without the cron secret or service-role key', async () => {
    expect((await call(job, 'POST')).status).toBe(401);
    expect(
      (await call(job, 'POST', { headers: { [CRON_SECRET_HEADER]: 'wrong-secret-wrong-secret' } })).status,
    ).toBe(401);
    expect((await call(job, 'POST', { token: 'not-the-service-role-key' })).status).toBe(401);
    // A user's own access token is not the service-role key either.
    const { accessToken } = await signIn();
    expect((await call(job, 'POST', { token: accessToken })).status).toBe(401);
  });

  it('publish-scheduled publishes a scheduled post once its time has come', async () => {
    const user = await signIn();
    expect(
      (
        await call(`${api}/api/account/age`, 'POST', {
          token: user.accessToken,
          body: { birth_date: '1990-01-01' },
        })
      ).status,
    ).toBe(200);
    expect((await call(`${api}/api/profiles/me/creator`, 'POST', { token: user.accessToken })).status).toBe(
      200,
    );
    // is_creator is a token claim: refresh to get a token that carries it.
    const refreshed = await call(`${api}/auth/v1/token?grant_type=refresh_token`, 'POST', {
      body: { refresh_token: user.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    const token = refreshed.json.access_token as string;

    const publishAt = new Date(Date.now() + 3_000);
    const created = await call(`${api}/api/posts`, 'POST', {
      token,
      body: { body: 'from the edge', publish_at: publishAt.toISOString() },
    });
    expect(created.status).toBe(201);
    expect(created.json.status).toBe('scheduled');
    const id = created.json.id as string;

    await new Promise((r) => setTimeout(r, Math.max(0, publishAt.getTime() - Date.now()) + 1_000));
    const ran = await call(job, 'POST', { headers: { [CRON_SECRET_HEADER]: CRON_SECRET } });
    expect(ran.status).toBe(200);
    expect(ran.json.handled).toBeGreaterThanOrEqual(1);

    const post = await call(`${api}/api/posts/${id}`, 'GET', { token });
    expect(post.status).toBe(200);
    expect(post.json.status).toBe('published');
    expect(post.json.published_at).not.toBeNull();

    // Nothing left to do; the service-role key is the other accepted credential.
    const again = await call(job, 'POST', { token: SERVICE_ROLE_KEY });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ handled: 0 });
  });

  it('shadow-cache-cleaner purges what a switched-off shadow left behind, and a second run does nothing', async () => {
    expect((await call(cleaner, 'POST')).status).toBe(401);
    const toShadow = async () => {
      const { accessToken } = await signIn();
      const switched = await call(`${api}/api/personas/switch`, 'POST', {
        token: accessToken,
        body: { persona: 'shadow' },
      });
      expect(switched.status).toBe(200);
      return switched.json.access_token as string;
    };
    const a = await toShadow();
    const b = await toShadow();
    const bShadow = (await call(`${api}/api/me`, 'GET', { token: b })).json.active_profile.id as string;
    // a's shadow follows b's: b is notified, with a's shadow as the actor.
    expect((await call(`${api}/api/follows/${bShadow}`, 'PUT', { token: a })).status).toBe(200);
    expect((await call(`${api}/api/notifications`, 'GET', { token: b })).json.items).toHaveLength(1);

    const off = await call(`${api}/api/personas/shadow/off`, 'POST', { token: a });
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ shadow: 'off', persona: 'real' });
    const ran = await call(cleaner, 'POST', { headers: { [CRON_SECRET_HEADER]: CRON_SECRET } });
    expect(ran.status).toBe(200);
    expect(ran.json.handled).toBeGreaterThanOrEqual(1);
    expect((await call(`${api}/api/notifications`, 'GET', { token: b })).json.items).toEqual([]);
    const again = await call(cleaner, 'POST', { token: SERVICE_ROLE_KEY });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ handled: 0 });
  });
});
