import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApiClient } from '@ipelya/api-client';
import { DEVICE_HEADER, LOCAL_ANON_KEY, PLATFORM_HEADER } from '@ipelya/contracts';
import type { JwtClaims } from '@ipelya/db';
import { scratchDatabase } from '@ipelya/testing';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { testEnv } from '../src/env.ts';
import { type RunningServer, startServer } from '../src/server.ts';

export type DbTarget = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export function dbTargets(): DbTarget[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export const postgresAvailable = () => Boolean(process.env.TEST_DATABASE_URL);

/** A fresh, empty database on the test PostgreSQL server; dropped by the returned cleanup. */
export function freshPostgresDatabase() {
  return scratchDatabase(process.env.TEST_DATABASE_URL!);
}

export type TestServer = RunningServer & { dispose: () => Promise<void> };

/** Servers a test file has running; test/ledger-invariants.setup.ts checks their books after every test. */
export const liveServers = new Set<TestServer>();

/** Boots the real server (HTTP, auth, realtime) on a random port with an empty database. */
export async function startTestServer(
  target: DbTarget = 'pglite',
  overrides: Record<string, string> = {},
  shared?: { url: string },
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ipelya-test-'));
  const pgdb = target === 'postgres' && !shared ? await freshPostgresDatabase() : null;
  const env = testEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    EMBEDDED_DB: 'memory',
    SEED_DEMO_DATA: 'false',
    RUN_JOBS: 'false',
    OTP_RESEND_COOLDOWN_SECONDS: '0',
    OTP_MAX_PER_IDENTIFIER_PER_HOUR: '1000',
    OTP_MAX_PER_IP_PER_HOUR: '100000',
    VERIFY_MAX_PER_IP_PER_HOUR: '100000',
    WRITE_RATE_PER_MINUTE: '100000',
    // Tests choose a client's network with X-Forwarded-For (signIn's `ip`); without it they are loopback.
    TRUST_PROXY_HOPS: '1',
    ...(shared ? { DATABASE_URL: shared.url } : pgdb ? { DATABASE_URL: pgdb.url } : {}),
    ...overrides,
  });
  const server = await startServer(env);
  const test: TestServer = {
    ...server,
    dispose: async () => {
      liveServers.delete(test);
      await server.close();
      await pgdb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  liveServers.add(test);
  return test;
}

export type TestUser = {
  supabase: SupabaseClient;
  api: ReturnType<typeof createApiClient>;
  accessToken: () => string;
  userId: string;
  refreshToken: string;
};

export function supabaseFor(server: { url: string }, headers: Record<string, string> = {}) {
  return createClient(server.url, LOCAL_ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { headers },
    // Node 20 has no global WebSocket; supabase-js's realtime client needs one even when unused.
    realtime: { transport: WebSocket as unknown as never },
  });
}

let counter = 0;
export const uniqueEmail = (prefix = 'user') =>
  `${prefix}.${Date.now().toString(36)}.${++counter}@example.com`;

/** Signs in through the real supabase-js client and the OTP outbox, like the apps do. */
export async function signIn(
  server: TestServer,
  email = uniqueEmail(),
  opts: { installId?: string; platform?: 'ios' | 'android' | 'web'; ip?: string; phone?: string } = {},
): Promise<TestUser> {
  const headers: Record<string, string> = {};
  if (opts.ip) headers['x-forwarded-for'] = opts.ip;
  if (opts.installId) {
    headers[DEVICE_HEADER] = opts.installId;
    headers[PLATFORM_HEADER] = opts.platform ?? 'ios';
  }
  const supabase = supabaseFor(server, headers);
  const sent = await supabase.auth.signInWithOtp(opts.phone ? { phone: opts.phone } : { email });
  if (sent.error) throw sent.error;
  const code = server.outbox!.latest(opts.phone ?? email.toLowerCase())!.code;
  const { data, error } = await supabase.auth.verifyOtp(
    opts.phone ? { phone: opts.phone, token: code, type: 'sms' } : { email, token: code, type: 'email' },
  );
  if (error) throw error;
  let token = data.session!.access_token;
  supabase.auth.onAuthStateChange((_e, s) => {
    if (s) token = s.access_token;
  });
  const api = createApiClient({
    baseUrl: server.url,
    headers,
    getAccessToken: async () => (await supabase.auth.getSession()).data.session?.access_token ?? null,
  });
  return {
    supabase,
    api,
    accessToken: () => token,
    userId: data.user!.id,
    refreshToken: data.session!.refresh_token,
  };
}

/** Makes the signed-in user a creator on their active persona (age gate + onboarding). */
export async function makeCreator(u: TestUser): Promise<void> {
  await u.api.verifyAge('1990-01-01');
  await u.api.becomeCreator();
  // is_creator is a claim: refresh so the token carries it.
  await u.supabase.auth.refreshSession();
}

/** Switches persona through the API and installs the new session in supabase-js. */
export async function switchTo(u: TestUser, persona: 'real' | 'shadow'): Promise<void> {
  const s = (await u.api.switchPersona(persona)) as unknown as {
    access_token: string;
    refresh_token: string;
  };
  const { error } = await u.supabase.auth.setSession({
    access_token: s.access_token,
    refresh_token: s.refresh_token,
  });
  if (error) throw error;
}

/** Raw fetch with the error body parsed, for asserting statuses. */
export async function call(
  server: { url: string },
  method: string,
  path: string,
  token?: string | null,
  body?: unknown,
  headers?: Record<string, string>,
) {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  // biome-ignore lint/suspicious/noExplicitAny: tests poke into arbitrary response shapes
  return { status: res.status, json: json as Record<string, any>, text };
}

/** The verified claims inside a user's current access token. */
export function claimsOf(u: TestUser | string): JwtClaims {
  const token = typeof u === 'string' ? u : u.accessToken();
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

/** Opens an authenticated realtime socket, waits for its first message and collects the rest. */
export async function connectRealtime<T extends { type: string } = { type: string; [k: string]: unknown }>(
  url: string,
  token: string,
) {
  const messages: T[] = [];
  // Like the apps: no token in the URL, the first frame authenticates.
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/realtime/v1/websocket`);
  ws.on('message', (raw) => messages.push(JSON.parse(raw.toString())));
  ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', access_token: token })));
  await new Promise<void>((ok, fail) => {
    ws.once('error', fail);
    ws.once('close', (code) => fail(new Error(`realtime socket closed (${code})`)));
    ws.once('message', () => ok());
  });
  return {
    ws,
    messages,
    async waitFor(pred: (m: T) => boolean, ms = 8000): Promise<T> {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const hit = messages.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no matching realtime message within ${ms} ms; got ${JSON.stringify(messages)}`);
    },
  };
}

/** A second, separate server process (src/main.ts) on the same PostgreSQL database, for cross-process tests. */
export async function spawnServerProcess(databaseUrl: string) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../src/main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO_DATA: 'false',
      RUN_JOBS: 'false',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
  };
  // Up to a minute: a cold tsx start plus migrations is slow on a loaded 2-core CI machine.
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('second server process did not start');
}
