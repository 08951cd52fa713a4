import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Database } from '@ipelya/db';
import nodemailer from 'nodemailer';
import pino, { type Logger } from 'pino';
import { AuthService } from './auth/auth.service.ts';
import {
  DisabledSender,
  LocalOutbox,
  OtpDelivery,
  type OtpSender,
  SmtpSender,
  TwilioSmsSender,
} from './auth/otp-delivery.ts';
import { SessionGate } from './auth/session-gate.ts';
import { cachedTokenVerifier, createTokenVerifier, type TokenVerifier } from './auth/tokens.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { appleAttestationFromEnv } from './devices/apple-devicecheck.ts';
import { type AttestationVerifier, PlatformAttestation } from './devices/attestation.ts';
import { androidAttestationFromEnv } from './devices/play-integrity.ts';
import type { DomainCore } from './domain-module.ts';
import { realtimeOf, serverJobs } from './domains.ts';
import type { PaymentProviders } from './economy/payments/payments.service.ts';
import { paymentProvidersFromEnv } from './economy/payments/providers.ts';
import { type PayoutProviders, payoutProvidersFromEnv } from './economy/payouts/payout-providers.ts';
import type { Env } from './env.ts';
import { SocialFirewall } from './firewall/social-firewall.ts';
import { createHttpApp } from './http/app.ts';
import { Scheduler } from './jobs/scheduler.ts';
import { Realtime } from './realtime/realtime.ts';
import { createStorage, type Storage } from './storage/storage.ts';

export type ServerCore = {
  env: Env;
  log: Logger;
  db: Database;
  verify: TokenVerifier;
  auth: AuthService | null;
  outbox: LocalOutbox | null;
  attestation: AttestationVerifier;
  scheduler: Scheduler;
  storage: Storage;
  payments: PaymentProviders;
  payoutProviders: PayoutProviders;
  firewall: SocialFirewall;
  /** Is a token's session still alive: cached briefly, forgotten at once on revocation (decision 024). */
  sessions: SessionGate;
  /** Releases DATA_DIR when this process holds it (embedded database on disk). */
  releaseDataDir?: () => void;
};

/** Loads the demo seed into a database that has no users yet. */
async function seedIfEmpty(db: Database, env: Env, log: Logger) {
  // Never in production, whatever SEED_DEMO_DATA says (loadEnv refuses it there too): it carries an admin.
  if (!env.SEED_DEMO_DATA || env.profile === 'production') return;
  const { rows } = await db.driver.query<{ empty: boolean }>(
    'select not exists (select 1 from auth.users) as empty',
  );
  if (!rows[0]?.empty) return;
  await db.driver.transaction((tx) => tx.exec(readFileSync(env.SEED_FILE, 'utf8')));
  log.info('empty database: loaded demo data (supabase/seed.sql)');
}

/** Wires config, database, providers and jobs: everything but the network listeners. Used by Node and Deno. */
export async function createCore(
  env: Env,
  log: Logger = pino({ level: env.LOG_LEVEL }),
): Promise<ServerCore> {
  const onDisk = !env.DATABASE_URL && env.EMBEDDED_DB !== 'memory';
  // PGlite has no lock of its own: two processes on one directory silently lose each other's writes.
  const releaseDataDir = onDisk ? lockDataDir(env.DATA_DIR) : undefined;
  const db = await Database.open({
    url: env.DATABASE_URL,
    dataDir: onDisk ? join(env.DATA_DIR, 'pglite') : undefined,
    migrationsDir: env.MIGRATIONS_DIR,
    poolSize: env.DATABASE_POOL_SIZE,
  }).catch((err) => {
    releaseDataDir?.();
    throw err;
  });
  await seedIfEmpty(db, env, log);

  const sessions = new SessionGate(db, {
    ttlMs: env.SESSION_CACHE_TTL_MS,
    maxEntries: env.SESSION_CACHE_SIZE,
  });
  let auth: AuthService | null = null;
  let outbox: LocalOutbox | null = null;
  if (env.AUTH_MODE === 'embedded') {
    const twilio = Boolean(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM);
    // The outbox (codes in the log and at /dev/outbox) exists only in the local profile.
    if (env.profile === 'local' && (!env.SMTP_URL || !twilio))
      outbox = new LocalOutbox(join(env.DATA_DIR, 'outbox.jsonl'), log);
    // A channel the operator switched off stays off even if some of its variables are set.
    const email: OtpSender = env.disabledFeatures.has('email_sign_in')
      ? new DisabledSender('email')
      : env.SMTP_URL
        ? new SmtpSender(nodemailer.createTransport(env.SMTP_URL), env.MAIL_FROM)
        : (outbox ?? new DisabledSender('email'));
    const sms: OtpSender = env.disabledFeatures.has('sms_sign_in')
      ? new DisabledSender('sms')
      : twilio
        ? new TwilioSmsSender(env.TWILIO_ACCOUNT_SID!, env.TWILIO_AUTH_TOKEN!, env.TWILIO_FROM!)
        : (outbox ?? new DisabledSender('sms'));
    auth = new AuthService(db, env, new OtpDelivery(email, sms), sessions);
    log.info({ email: email.name, sms: sms.name }, 'embedded auth');
  }
  const verify = cachedTokenVerifier(
    createTokenVerifier({
      secret: env.TOKEN_VERIFY_SECRET,
      jwksUrl:
        env.AUTH_MODE === 'supabase' && env.SUPABASE_URL
          ? `${env.SUPABASE_URL}/auth/v1/.well-known/jwks.json`
          : undefined,
    }),
    { maxEntries: env.TOKEN_CACHE_SIZE },
  );
  // Each platform falls back to the local (unverifiable) adapter when its credentials are missing.
  const ios = appleAttestationFromEnv(env, log);
  const android = androidAttestationFromEnv(env, log);
  const attestation = new PlatformAttestation(ios, android);
  log.info({ ios: ios.name, android: android.name }, 'device attestation');
  log.info({ profile: env.profile, disabled: [...env.disabledFeatures] }, 'deployment profile');
  const storage = createStorage(env, log);
  const payoutProviders = payoutProvidersFromEnv(env, log);
  const payments = paymentProvidersFromEnv(env, log);
  const firewall = new SocialFirewall(db, {
    secret: env.FIREWALL_SECRET,
    networkWindowHours: env.FIREWALL_NETWORK_WINDOW_HOURS,
    networkDelayHours: env.FIREWALL_NETWORK_DELAY_HOURS,
  });
  if (!firewall.configured) log.warn('social firewall not configured (FIREWALL_SECRET): contacts answer 503');
  const core: DomainCore = {
    env,
    log,
    db,
    verify,
    auth,
    outbox,
    attestation,
    storage,
    payments,
    payoutProviders,
    firewall,
    sessions,
  };
  const privacyVacuum = env.PRIVACY_VACUUM ?? (env.DATABASE_URL ? 'plain' : 'full');
  const scheduler = new Scheduler(serverJobs({ ...core, privacyVacuum }), log);
  return { ...core, scheduler, releaseDataDir };
}

export type RunningServer = ServerCore & {
  port: number;
  url: string;
  realtime: Realtime;
  close: () => Promise<void>;
};

/** Starts the HTTP server, realtime and (unless disabled) the scheduler. */
export async function startServer(env: Env, core?: ServerCore): Promise<RunningServer> {
  const c = core ?? (await createCore(env));
  const app = createHttpApp(c);
  const realtime = new Realtime(
    c.db,
    c.verify,
    c.log,
    realtimeOf(),
    c.storage.sealer,
    {
      queueMax: env.REALTIME_QUEUE_MAX,
      concurrency: env.REALTIME_DISPATCH_CONCURRENCY,
      socketBufferBytes: env.REALTIME_SOCKET_BUFFER_BYTES,
    },
    c.sessions,
  );
  await realtime.start();
  // Sessions ended by other processes (or Supabase Auth) are forgotten as soon as the database says so; edge
  // isolates do not listen (one more connection each) and rely on the cache's TTL alone.
  await c.sessions.listen();
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, () => resolve(s as Server));
  });
  // Idle keep-alive sockets are closed by the client first (undici: 4 s, load balancers: 60 s): a server that
  // closes first races a request already on its way and the client sees ECONNRESET.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  realtime.attach(server);
  if (env.RUN_JOBS) c.scheduler.start();
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  c.log.info(
    { port, database: c.db.driver.name, vector: c.db.capabilities.vector },
    `İpelya API listening on ${url}`,
  );
  return {
    ...c,
    port,
    url,
    realtime,
    close: async () => {
      c.scheduler.stop();
      await realtime.stop();
      await c.sessions.stop();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await c.db.close();
      c.releaseDataDir?.();
    },
  };
}
