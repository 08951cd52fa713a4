import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApiClient } from '@ipelya/api-client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../src/env.ts';
import { createCore, type RunningServer, startServer } from '../src/server.ts';
import {
  call,
  dbTargets,
  freshPostgresDatabase,
  makeCreator,
  signIn,
  startTestServer,
  supabaseFor,
  type TestUser,
  uniqueEmail,
} from './harness.ts';

/**
 * The production profile seen from outside (decision 012): the real server booted with production
 * variables, driven over HTTP. Nothing local may exist, codes reach only the mail server, never the log.
 */

/** A minimal SMTP sink for the test: accepts every message and keeps its raw text. */
function smtpSink() {
  const messages: string[] = [];
  const server: Server = createServer((sock) => {
    let buf = '';
    let inData = false;
    sock.write('220 sink.test ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          messages.push(buf.slice(0, end));
          buf = buf.slice(end + 5);
          inData = false;
          sock.write('250 queued\r\n');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const verb = buf.slice(0, 4).toUpperCase();
        buf = buf.slice(nl + 2);
        if (verb === 'DATA') {
          inData = true;
          sock.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') sock.end('221 bye\r\n');
        else sock.write('250 ok\r\n');
      }
    });
  });
  return {
    messages,
    listen: () =>
      new Promise<number>((ok) =>
        server.listen(0, '127.0.0.1', () => ok((server.address() as { port: number }).port)),
      ),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Everything production needs, with fake-but-valid provider values (nothing here is ever called). */
function productionVars(over: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    IPELYA_PROFILE: 'production',
    PUBLIC_URL: 'https://api.ipelya.test',
    EMBEDDED_DB: 'memory',
    JWT_SECRET: 'production-profile-test-secret-0123456789abcdef',
    SMTP_URL: 'smtp://127.0.0.1:9',
    MAIL_FROM: 'İpelya <no-reply@ipelya.test>',
    STORAGE_DRIVER: 'local',
    STRIPE_SECRET_KEY: 'sk_test_production_profile',
    STRIPE_WEBHOOK_SECRET: 'whsec_production_profile',
    STRIPE_CONNECT_SECRET_KEY: 'sk_test_production_connect',
    KEY_PROVIDER: 'aws-kms',
    KMS_KEY_ID: 'alias/production-profile-test',
    // Switched off on purpose, as an operator without these providers would.
    DISABLED_FEATURES: 'sms_sign_in,ios_attestation,android_attestation',
    ...over,
  };
}

const decodeQp = (s: string) => s.replace(/=\r?\n/g, '');

describe('production profile: start-up check', () => {
  it('names every missing variable in one message', () => {
    let message = '';
    try {
      loadEnv({ NODE_ENV: 'production' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    for (const name of [
      'PUBLIC_URL',
      'DATABASE_URL',
      'STORAGE_DRIVER',
      'JWT_SECRET',
      'SMTP_URL',
      'MAIL_FROM',
      'TWILIO_ACCOUNT_SID',
      'TWILIO_AUTH_TOKEN',
      'TWILIO_FROM',
      'STRIPE_SECRET_KEY',
      'STRIPE_CONNECT_SECRET_KEY',
      'APPLE_TEAM_ID',
      'APPLE_DEVICECHECK_KEY_ID',
      'APPLE_DEVICECHECK_PRIVATE_KEY',
      'GOOGLE_PLAY_PACKAGE_NAME',
      'GOOGLE_SERVICE_ACCOUNT_JSON',
      'KEY_PROVIDER',
    ])
      expect(message, name).toContain(name);
    expect(message).toMatch(/^Refusing to start in the production profile/);
    // IPELYA_PROFILE=production alone means the same, whatever NODE_ENV says.
    expect(() => loadEnv({ IPELYA_PROFILE: 'production' })).toThrow(/production profile/);
    expect(loadEnv(productionVars()).profile).toBe('production');
  });

  it('names a half-configured provider and refuses demo data, a local profile under NODE_ENV=production', () => {
    expect(() => loadEnv(productionVars({ STRIPE_WEBHOOK_SECRET: '' }))).toThrow(
      /STRIPE_WEBHOOK_SECRET: Stripe Checkout needs both/,
    );
    expect(() => loadEnv(productionVars({ SEED_DEMO_DATA: 'true' }))).toThrow(/SEED_DEMO_DATA: demo data/);
    expect(() => loadEnv(productionVars({ STORAGE_DRIVER: 's3' }))).toThrow(/S3_ACCESS_KEY_ID, S3_SECRET/);
    expect(() => loadEnv(productionVars({ DISABLED_FEATURES: 'payments,nonsense' }))).toThrow(
      /DISABLED_FEATURES: unknown nonsense/,
    );
    expect(() => loadEnv({ NODE_ENV: 'production', IPELYA_PROFILE: 'local' })).toThrow(
      /IPELYA_PROFILE=local cannot run with NODE_ENV=production/,
    );
    // Disabling a feature waives its variables.
    const env = loadEnv(
      productionVars({
        STRIPE_SECRET_KEY: '',
        STRIPE_WEBHOOK_SECRET: '',
        STRIPE_CONNECT_SECRET_KEY: '',
        DISABLED_FEATURES: 'payments,payouts,sms_sign_in,ios_attestation,android_attestation',
      }),
    );
    expect([...env.disabledFeatures].sort()).toEqual(
      ['android_attestation', 'ios_attestation', 'payments', 'payouts', 'sms_sign_in'].sort(),
    );
    expect(env.SEED_DEMO_DATA).toBe(false);
    // The local profile keeps today's defaults.
    const local = loadEnv({});
    expect(local).toMatchObject({ profile: 'local', SEED_DEMO_DATA: true });
  });

  it('main.ts exits non-zero with that one message and no stack trace', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, '../src/main.ts')],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...productionVars({ SMTP_URL: '', MAIL_FROM: '' }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const code = await new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
    expect(code).not.toBe(0);
    expect(stderr).toContain('Refusing to start in the production profile');
    expect(stderr).toMatch(/SMTP_URL, MAIL_FROM: email sign-in codes/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
  });
});

describe.each(dbTargets())('production profile from outside (%s)', (target) => {
  const sink = smtpSink();
  const logLines: string[] = [];
  let server: RunningServer;
  let dataDir: string;
  let dropDb: (() => Promise<void>) | undefined;

  const codeFor = async (email: string) => {
    for (let i = 0; i < 100; i++) {
      const msg = sink.messages.find((m) => m.toLowerCase().includes(`to: ${email}`));
      const code = msg && /code is (\d{6})/.exec(decodeQp(msg))?.[1];
      if (code) return code;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no code mailed to ${email}`);
  };

  /** Real sign-in: supabase-js asks for a code, the SMTP sink receives it, supabase-js verifies it. */
  const signInByMail = async (email = uniqueEmail('prod')): Promise<TestUser & { code: string }> => {
    const supabase = supabaseFor(server);
    const sent = await supabase.auth.signInWithOtp({ email });
    if (sent.error) throw sent.error;
    const code = await codeFor(email);
    const { data, error } = await supabase.auth.verifyOtp({ email, token: code, type: 'email' });
    if (error) throw error;
    const api = createApiClient({
      baseUrl: server.url,
      getAccessToken: async () => (await supabase.auth.getSession()).data.session?.access_token ?? null,
    });
    return {
      supabase,
      api,
      accessToken: () => data.session!.access_token,
      userId: data.user!.id,
      refreshToken: data.session!.refresh_token,
      code,
    };
  };
  const token = async (u: TestUser) => (await u.supabase.auth.getSession()).data.session!.access_token;

  beforeAll(async () => {
    const smtpPort = await sink.listen();
    dataDir = mkdtempSync(join(tmpdir(), 'ipelya-prod-'));
    const vars = productionVars({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      RUN_JOBS: 'false',
      OTP_RESEND_COOLDOWN_SECONDS: '0',
    });
    if (target === 'postgres') {
      const pg = await freshPostgresDatabase();
      dropDb = () => pg.drop();
      delete vars.EMBEDDED_DB;
      vars.DATABASE_URL = pg.url;
    }
    const env = loadEnv(vars);
    // Every line the server logs, at the most verbose level, to search for codes.
    const log = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
    server = await startServer(env, await createCore(env, log));
  });
  afterAll(async () => {
    await server?.close();
    await dropDb?.();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads no demo data, and the start-up log names no local provider', async () => {
    const { rows } = await server.db.driver.query<{ users: string; profiles: string; packages: string }>(
      `select (select count(*) from auth.users)::text as users, (select count(*) from public.profiles)::text as profiles,
              (select count(*) from public.coin_packages)::text as packages`,
    );
    expect(rows[0]).toEqual({ users: '0', profiles: '0', packages: '0' });
    const startup = logLines.join('');
    expect(startup).toContain('"profile":"production"');
    expect(startup).not.toMatch(/local provider|local-outbox|demo data/);
    expect(server.outbox).toBeNull();
  });

  it('has no dev routes and no local checkout: 404 like any unknown route', async () => {
    const unknown = await call(server, 'GET', '/no/such/route');
    expect(unknown.status).toBe(404);
    for (const [method, path] of [
      ['GET', '/auth/v1/dev/outbox/latest?to=admin%40demo.ipelya.local'],
      ['GET', '/dev/outbox/latest?to=admin%40demo.ipelya.local'],
      ['GET', '/checkout/local/cs_local_0123456789abcdef'],
      ['POST', '/checkout/local/cs_local_0123456789abcdef/complete'],
      ['POST', '/checkout/local/cs_local_0123456789abcdef/fail'],
      ['POST', '/webhooks/local'],
    ] as const) {
      const r = await call(server, method, path, null, method === 'POST' ? {} : undefined);
      expect(r.status, `${method} ${path}`).toBe(404);
    }
  });

  it('mails the code, never logs it, and phone sign-in is off as configured', async () => {
    const before = logLines.length;
    const u = await signInByMail();
    expect(u.userId).toBeTruthy();
    const logs = logLines.join('');
    expect(logs).not.toContain(u.code);
    expect(logs).not.toMatch(/local-outbox|one-time code/i);
    // Nothing logged during the sign-in names the code, wherever it sits in the line.
    const scrub = (l: string) =>
      l
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '')
        .replace(/"(time|pid|port|ms)":\d+/g, '');
    expect(logLines.slice(before).filter((l) => /\d{6}/.test(scrub(l)))).toEqual([]);
    expect(logs).toContain('"path":"/auth/v1/verify"');
    const phone = await supabaseFor(server).auth.signInWithOtp({ phone: '+905551112233' });
    expect(phone.error?.code).toBe('phone_provider_disabled');
    expect(phone.error?.status).toBe(400);
  });

  it('refuses provider local at checkout and for payout accounts (400), sells admin-made packages', async () => {
    const admin = await signInByMail();
    await server.db.service('test:admin', (tx) =>
      tx.query('update public.accounts set is_admin = true where user_id = $1', [admin.userId]),
    );
    // Production has packages without the seed: an admin creates one through the API.
    const pkg = await admin.api.createCoinPackage({ code: 'coins_500', coins: 500, prices: { USD: 999 } });
    const fan = await signInByMail();
    expect((await fan.api.coinPackages()).items.map((p) => p.id)).toEqual([pkg.id]);

    const local = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      await token(fan),
      {
        package_id: pkg.id,
        provider: 'local',
        currency: 'USD',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(local.status).toBe(400);
    expect(local.json.error.code).toBe('provider_unavailable');
    const iyzico = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      await token(fan),
      {
        package_id: pkg.id,
        provider: 'iyzico',
        currency: 'USD',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(iyzico.status).toBe(503);
    const { rows } = await server.db.driver.query<{ n: string }>(
      'select count(*)::text as n from public.coin_purchases',
    );
    expect(rows[0]!.n).toBe('0');

    const creator = await signInByMail();
    await makeCreator(creator);
    const put = (provider: string, account_id: string) =>
      token(creator).then((t) => call(server, 'PUT', '/api/payout-account', t, { provider, account_id }));
    const localPayout = await put('local', 'me');
    expect(localPayout.status).toBe(400);
    expect(localPayout.json.error.code).toBe('payout_provider_unavailable');
    expect((await put('iyzico', 'TR000000000000000000000000')).status).toBe(400);
    expect((await put('stripe', 'acct_1Prod')).status).toBe(200);
    // A creator with no payout account is never "paid" by a local provider in production.
    expect(server.payoutProviders.names()).toEqual(['stripe']);
  });
});

describe('local profile keeps the embedded defaults', () => {
  it('serves codes through the outbox and the dev routes, and sells through the local checkout', async () => {
    const server = await startTestServer('pglite');
    try {
      expect(server.env.profile).toBe('local');
      const email = uniqueEmail('local');
      await supabaseFor(server).auth.signInWithOtp({ email });
      const dev = await call(server, 'GET', `/auth/v1/dev/outbox/latest?to=${encodeURIComponent(email)}`);
      expect(dev.status).toBe(200);
      expect(dev.json.code).toMatch(/^\d{6}$/);
      expect(
        (await call(server, 'GET', `/dev/outbox/latest?to=${encodeURIComponent(email)}`)).json.code,
      ).toBe(dev.json.code);
      const u = await signIn(server);
      const pkg = await server.db.service('test:package', async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `insert into coin_packages (code, coins, prices) values ('coins_local', 50, '{"USD": 100}') returning id`,
        );
        return rows[0]!.id;
      });
      const co = await call(
        server,
        'POST',
        '/api/purchases/checkout',
        u.accessToken(),
        {
          package_id: pkg,
          provider: 'local',
          currency: 'USD',
        },
        { 'idempotency-key': randomUUID() },
      );
      expect(co.status).toBe(200);
      expect(server.payoutProviders.names()).toContain('local');
    } finally {
      await server.dispose();
    }
  });
});
