import { createHmac, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_JWT_SECRET, LOCAL_SERVER_PORT } from '@ipelya/contracts';
import { z } from 'zod';
import {
  assertProductionReady,
  ConfigError,
  type DeploymentProfile,
  deploymentProfile,
  type Feature,
  parseDisabledFeatures,
} from './deployment-profile.ts';

export { ConfigError };

// From the module URL, not import.meta.dirname: Deno types that as possibly undefined (edge functions).
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every setting of the server, validated once. Nothing else in the server reads process.env. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /**
   * local: embedded defaults (codes in the log and /dev/outbox, local checkout and payouts, demo data).
   * production: none of that exists, and start-up refuses a missing provider. NODE_ENV=production implies it.
   */
  IPELYA_PROFILE: z.enum(['local', 'production']).optional(),
  /** Production features switched off on purpose (comma-separated; see deployment-profile.ts). */
  DISABLED_FEATURES: z.string().default(''),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(LOCAL_SERVER_PORT),
  /** Origin clients reach this server at; signed URLs are built on it. Defaults to http://localhost:PORT. */
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().default(resolve(REPO_ROOT, '.data')),
  MIGRATIONS_DIR: z.string().default(resolve(REPO_ROOT, 'supabase/migrations')),
  SEED_FILE: z.string().default(resolve(REPO_ROOT, 'supabase/seed.sql')),
  /** A PostgreSQL URL (a Supabase project in production); absent means embedded PGlite in DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  /** Embedded database on disk (DATA_DIR/pglite) or in memory (tests, throwaway demos). */
  EMBEDDED_DB: z.enum(['disk', 'memory']).default('disk'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Realtime backpressure (decision 023): events waiting for dispatch; past it every socket is closed (1013). */
  REALTIME_QUEUE_MAX: z.coerce.number().int().min(1).default(10_000),
  /** Realtime events dispatched at once (each holds one database connection for one read). */
  REALTIME_DISPATCH_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  /** Unsent bytes per socket before it is closed as a slow consumer (4008) and catches up by cursor. */
  REALTIME_SOCKET_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** embedded: this server issues tokens (/auth/v1). supabase: Supabase Auth issues them, we only verify. */
  AUTH_MODE: z.enum(['embedded', 'supabase']).default('embedded'),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  SUPABASE_URL: z.url().optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  SESSION_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(365).default(60),
  OTP_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(300),
  OTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  OTP_RESEND_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  OTP_MAX_PER_IDENTIFIER_PER_HOUR: z.coerce.number().int().min(1).default(5),
  OTP_MAX_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(30),
  VERIFY_MAX_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(60),
  MAX_ACCOUNTS_PER_DEVICE: z.coerce.number().int().min(1).max(100).default(3),
  /** smtp(s)://user:pass@host:port — absent means codes go to the local outbox and the log. */
  SMTP_URL: z.string().optional(),
  /** The sender of code emails; a local placeholder by default, required in production. */
  MAIL_FROM: z.string().optional(),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM: z.string().optional(),
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().default('auto'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_BUCKET: z.string().optional(),
  STORAGE_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
  /**
   * Where the data keys of sealed no-trace content live (decision 015): local = files in KEYS_DIR (default),
   * aws-kms = data keys from AWS KMS (KMS_KEY_ID), kept wrapped in the S3 bucket (or KEYS_DIR). Required in production.
   */
  KEY_PROVIDER: z.enum(['local', 'aws-kms']).default('local'),
  /** The local key directory (and the wrapped-key store of aws-kms without S3); DATA_DIR/keys by default. */
  KEYS_DIR: z.string().optional(),
  /** The KMS master key (id, ARN or alias/…) that wraps every data key. */
  KMS_KEY_ID: z.string().optional(),
  KMS_REGION: z.string().default('eu-central-1'),
  /** A KMS-compatible endpoint (LocalStack, a VPC endpoint); AWS's own by default. */
  KMS_ENDPOINT: z.url().optional(),
  /**
   * VACUUM after account deletions: full rewrites the affected tables (deleted bytes leave the table files;
   * takes an exclusive lock), plain only frees the space. Default: full on embedded PGlite, plain on PostgreSQL.
   */
  PRIVACY_VACUUM: z.enum(['plain', 'full', 'off']).optional(),
  /** Coin purchases through Stripe Checkout: both the secret key (sk_…) and the webhook signing secret (whsec_…). */
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  /** Where Stripe Checkout returns the buyer (e.g. the web wallet page); PUBLIC_URL by default. */
  STRIPE_CHECKOUT_RETURN_URL: z.url().optional(),
  /** The Authorization header value set in RevenueCat's webhook settings; absent means RevenueCat is off. */
  REVENUECAT_WEBHOOK_AUTH: z
    .string()
    .min(16, 'REVENUECAT_WEBHOOK_AUTH must be at least 16 characters')
    .optional(),
  /** Credit RevenueCat SANDBOX purchases (free for testers); defaults to on outside production. */
  REVENUECAT_ALLOW_SANDBOX: bool.optional(),
  /** Coin purchases through Iyzico's Checkout Form (TRY): both keys, or Iyzico answers 503 not configured. */
  IYZICO_API_KEY: z.string().optional(),
  IYZICO_SECRET_KEY: z.string().optional(),
  /** https://api.iyzipay.com in production; the sandbox (https://sandbox-api.iyzipay.com) by default. */
  IYZICO_BASE_URL: z.url().default('https://sandbox-api.iyzipay.com'),
  APPLE_TEAM_ID: z.string().optional(),
  APPLE_DEVICECHECK_KEY_ID: z.string().optional(),
  APPLE_DEVICECHECK_PRIVATE_KEY: z.string().optional(),
  APPLE_DEVICECHECK_DEVELOPMENT: bool.default(false),
  GOOGLE_PLAY_PACKAGE_NAME: z.string().optional(),
  GOOGLE_SERVICE_ACCOUNT_JSON: z.string().optional(),
  /** Apple In-App Purchase (coin products): the app's bundle id; absent means Apple purchases answer 503. */
  APPLE_IAP_BUNDLE_ID: z.string().optional(),
  /** The app's Apple ID (App Store Connect); required with APPLE_IAP_ENVIRONMENT=Production. */
  APPLE_IAP_APP_APPLE_ID: z.coerce.number().int().positive().optional(),
  APPLE_IAP_ENVIRONMENT: z.enum(['Production', 'Sandbox']).default('Production'),
  /** Also accept Sandbox transactions in Production (App Review and TestFlight buy in the sandbox). */
  APPLE_IAP_ALLOW_SANDBOX: bool.default(false),
  /** OCSP revocation checks on Apple's certificate chain (needs outbound network); on by default. */
  APPLE_IAP_ONLINE_CHECKS: bool.default(true),
  /** A directory of Apple root certificates (.cer DER or .pem) replacing the bundled Apple Root CA - G3. */
  APPLE_ROOT_CERTS_DIR: z.string().optional(),
  /**
   * Google Play Billing uses GOOGLE_PLAY_PACKAGE_NAME + GOOGLE_SERVICE_ACCOUNT_JSON (Android Publisher API access).
   * Real-time developer notifications: the Pub/Sub push subscription's OIDC audience (required for the webhook)
   * and, optionally, the service account the push signs as.
   */
  GOOGLE_PUBSUB_AUDIENCE: z.string().optional(),
  GOOGLE_PUBSUB_SERVICE_ACCOUNT_EMAIL: z.string().optional(),
  GOOGLE_OIDC_JWKS_URL: z.url().default('https://www.googleapis.com/oauth2/v3/certs'),
  /** Creator payouts through Stripe Connect transfers (sk_…); absent means payouts go through the local provider. */
  STRIPE_CONNECT_SECRET_KEY: z.string().optional(),
  /** Creator payouts through Iyzico Mass Payout; both keys or the local provider is used. */
  IYZICO_PAYOUT_API_KEY: z.string().optional(),
  IYZICO_PAYOUT_SECRET_KEY: z.string().optional(),
  /** https://api.iyzipay.com in production; the sandbox by default. */
  IYZICO_PAYOUT_BASE_URL: z.url().optional(),
  /** Load supabase/seed.sql into an empty database: on by default locally, never in production. */
  SEED_DEMO_DATA: bool.optional(),
  RUN_JOBS: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /**
   * How long a session's "still signed in" answer is reused before asking the database again (decision 024):
   * the bound on how late a revocation made elsewhere bites when its notification is lost. 0 asks every time.
   */
  SESSION_CACHE_TTL_MS: z.coerce.number().int().min(0).max(5000).default(1000),
  /** Sessions remembered by that cache (least recently used dropped first). */
  SESSION_CACHE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Verified access tokens remembered until they expire (least recently used dropped first); 0 disables. */
  TOKEN_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  /** Comma-separated allowed browser origins; empty allows any http://localhost:* origin (development). */
  CORS_ORIGINS: z.string().default(''),
  WRITE_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /**
   * Proxies in front of the server that append to X-Forwarded-For (a load balancer: 1). 0 trusts only the
   * socket address, so a client cannot pick its own IP (rate limits, network firewall).
   */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * Secret the social firewall keys contact hashes and network fingerprints with. Defaults to one derived
   * from JWT_SECRET; without either (Supabase Auth with JWKS only) contacts answer 503 not configured.
   */
  FIREWALL_SECRET: z.string().min(32, 'FIREWALL_SECRET must be at least 32 characters').optional(),
  /** How long users seen on the same /24 (IPv4) or /64 (IPv6) network stay hidden from each other's shadows. */
  FIREWALL_NETWORK_WINDOW_HOURS: z.coerce
    .number()
    .min(1)
    .max(24 * 90)
    .default(72),
  /** A shared network counts (stranger suggestions only) this long after it was first seen (decision 014). */
  FIREWALL_NETWORK_DELAY_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 30)
    .default(24),
});

/** The validated variables before defaults that depend on the profile are applied. */
export type ParsedEnv = z.infer<typeof EnvSchema>;

export type Env = Omit<z.infer<typeof EnvSchema>, 'SEED_DEMO_DATA' | 'MAIL_FROM'> & {
  /** Which deployment this is (decision 012); production disables everything local. */
  profile: DeploymentProfile;
  /** Features a production operator switched off (DISABLED_FEATURES). */
  disabledFeatures: ReadonlySet<Feature>;
  SEED_DEMO_DATA: boolean;
  MAIL_FROM: string;
  PUBLIC_URL: string;
  /** Secret for this server's own signatures (embedded access tokens, OTP hashes, storage tickets). */
  JWT_SECRET: string;
  /** Secret HS256 access tokens are verified with; undefined when only JWKS may be trusted. */
  TOKEN_VERIFY_SECRET: string | undefined;
  /** The social firewall's secret; undefined when not configured. */
  FIREWALL_SECRET: string | undefined;
};

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid server configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  if (env.AUTH_MODE === 'supabase' && !env.SUPABASE_URL && !env.JWT_SECRET) {
    throw new ConfigError(
      'Invalid server configuration:\n  AUTH_MODE=supabase needs SUPABASE_URL (JWKS) or JWT_SECRET',
    );
  }
  const profile = deploymentProfile(env);
  const disabledFeatures = parseDisabledFeatures(env.DISABLED_FEATURES);
  // One check, one message naming every missing variable (decision 012).
  if (profile === 'production') assertProductionReady(env, source, disabledFeatures);
  return {
    ...env,
    profile,
    disabledFeatures,
    SEED_DEMO_DATA: env.SEED_DEMO_DATA ?? profile === 'local',
    MAIL_FROM: env.MAIL_FROM ?? 'İpelya <no-reply@ipelya.local>',
    PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
    // With Supabase Auth and no shared secret, the public demo secret must never verify tokens: internal
    // signatures get a random per-process secret and HS256 tokens are refused.
    JWT_SECRET:
      env.JWT_SECRET ??
      (env.AUTH_MODE === 'embedded' ? LOCAL_JWT_SECRET : randomBytes(48).toString('base64url')),
    TOKEN_VERIFY_SECRET: env.JWT_SECRET ?? (env.AUTH_MODE === 'embedded' ? LOCAL_JWT_SECRET : undefined),
    // A stable secret only: a per-process random one would make stored hashes unmatchable after a restart.
    FIREWALL_SECRET:
      env.FIREWALL_SECRET ??
      deriveSecret(
        env.JWT_SECRET ?? (env.AUTH_MODE === 'embedded' ? LOCAL_JWT_SECRET : undefined),
        'firewall',
      ),
  };
}

function deriveSecret(root: string | undefined, purpose: string): string | undefined {
  return root ? createHmac('sha256', root).update(`ipelya:${purpose}:v1`).digest('base64url') : undefined;
}

/** Overrides for tests: a fully-defaulted env with the given values. */
export function testEnv(overrides: Record<string, string> = {}): Env {
  return loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides });
}
