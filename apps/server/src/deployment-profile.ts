import type { ParsedEnv } from './env.ts';

/**
 * The deployment profile (decision 012). `local` is the embedded default: codes in the log and at
 * /dev/outbox, a local checkout page and payout provider, demo data. `production` has none of that, and
 * start-up refuses to run while an enabled feature has no real provider.
 */
export type DeploymentProfile = 'local' | 'production';

/** Features a production operator may switch off on purpose when they cannot be configured. */
export const FEATURES = [
  'email_sign_in',
  'sms_sign_in',
  'payments',
  'payouts',
  'ios_attestation',
  'android_attestation',
] as const;
export type Feature = (typeof FEATURES)[number];

/** A configuration the server refuses; main.ts prints the message alone (no stack) and exits non-zero. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function deploymentProfile(env: Pick<ParsedEnv, 'NODE_ENV' | 'IPELYA_PROFILE'>): DeploymentProfile {
  if (env.NODE_ENV === 'production' && env.IPELYA_PROFILE === 'local') {
    // A production build must never be talked into the local profile by one stray variable.
    throw new ConfigError(
      'Invalid server configuration:\n  IPELYA_PROFILE=local cannot run with NODE_ENV=production',
    );
  }
  return env.IPELYA_PROFILE ?? (env.NODE_ENV === 'production' ? 'production' : 'local');
}

export function parseDisabledFeatures(list: string): ReadonlySet<Feature> {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(FEATURES as readonly string[]).includes(n));
  if (unknown.length) {
    throw new ConfigError(
      `Invalid server configuration:\n  DISABLED_FEATURES: unknown ${unknown.join(', ')} (known: ${FEATURES.join(', ')})`,
    );
  }
  return new Set(names as Feature[]);
}

/**
 * Every reason the production profile cannot start, collected in one pass so the operator fixes them all
 * at once. Each line names the variables; `source` tells an explicit choice from a local default.
 */
export function productionProblems(
  env: ParsedEnv,
  source: Record<string, string | undefined>,
  disabled: ReadonlySet<Feature>,
): string[] {
  const problems: string[] = [];
  const vars = env as unknown as Record<string, unknown>;
  const has = (k: string) => vars[k] !== undefined && vars[k] !== '';
  const explicit = (k: string) => Boolean(source[k]?.trim());
  const need = (keys: string[], why: string) => {
    const missing = keys.filter((k) => !has(k));
    if (missing.length) problems.push(`${missing.join(', ')}: ${why}`);
  };
  // A half-configured provider is named on its own; it also counts as "chosen" for the at-least-one rules.
  const pair = (a: string, b: string, why: string) => {
    if (has(a) !== has(b)) need([a, b], why);
    return has(a) || has(b);
  };
  const off = (f: Feature) => `(or add ${f} to DISABLED_FEATURES)`;

  need(['PUBLIC_URL'], 'the public origin of this API (signed URLs and checkout returns are built on it)');
  if (!has('DATABASE_URL') && !explicit('EMBEDDED_DB'))
    problems.push(
      'DATABASE_URL: the production database (or set EMBEDDED_DB=disk to choose the embedded one)',
    );
  if (!explicit('STORAGE_DRIVER'))
    problems.push('STORAGE_DRIVER: s3 (with S3_*) or local (files under DATA_DIR), chosen explicitly');
  else if (env.STORAGE_DRIVER === 's3')
    need(['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_BUCKET'], 'the S3 bucket media is stored in');

  if (env.AUTH_MODE === 'embedded') {
    need(['JWT_SECRET'], 'signs access tokens, code hashes and storage tickets');
    if (!disabled.has('email_sign_in'))
      need(['SMTP_URL', 'MAIL_FROM'], `email sign-in codes are sent by SMTP ${off('email_sign_in')}`);
    if (!disabled.has('sms_sign_in'))
      need(
        ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'],
        `SMS sign-in codes are sent by Twilio ${off('sms_sign_in')}`,
      );
    if (disabled.has('email_sign_in') && disabled.has('sms_sign_in'))
      problems.push('DISABLED_FEATURES: with email_sign_in and sms_sign_in both off nobody can sign in');
  } else if (!has('JWT_SECRET')) {
    need(['FIREWALL_SECRET'], 'keys the social firewall (or set JWT_SECRET to derive it)');
  }

  if (!disabled.has('payments')) {
    const stripe = pair('STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'Stripe Checkout needs both');
    const iyzico = pair('IYZICO_API_KEY', 'IYZICO_SECRET_KEY', 'Iyzico Checkout needs both');
    const appleNeedsId = has('APPLE_IAP_BUNDLE_ID') && env.APPLE_IAP_ENVIRONMENT === 'Production';
    if (appleNeedsId) need(['APPLE_IAP_APP_APPLE_ID'], 'App Store purchases in Production need the app id');
    const apple = has('APPLE_IAP_BUNDLE_ID');
    const google = pair(
      'GOOGLE_PLAY_PACKAGE_NAME',
      'GOOGLE_SERVICE_ACCOUNT_JSON',
      'Google Play purchases and attestation need both',
    );
    if (!(stripe || iyzico || apple || google || has('REVENUECAT_WEBHOOK_AUTH')))
      problems.push(
        'STRIPE_SECRET_KEY + STRIPE_WEBHOOK_SECRET, IYZICO_API_KEY + IYZICO_SECRET_KEY, APPLE_IAP_BUNDLE_ID, ' +
          'GOOGLE_PLAY_PACKAGE_NAME + GOOGLE_SERVICE_ACCOUNT_JSON or REVENUECAT_WEBHOOK_AUTH: coin purchases ' +
          `need at least one real payment provider ${off('payments')}`,
      );
  }
  if (!disabled.has('payouts')) {
    const iyzico = pair('IYZICO_PAYOUT_API_KEY', 'IYZICO_PAYOUT_SECRET_KEY', 'Iyzico payouts need both');
    if (!has('STRIPE_CONNECT_SECRET_KEY') && !iyzico)
      problems.push(
        `STRIPE_CONNECT_SECRET_KEY or IYZICO_PAYOUT_API_KEY + IYZICO_PAYOUT_SECRET_KEY: creator payouts need a real payout provider ${off('payouts')}`,
      );
  }
  if (!disabled.has('ios_attestation'))
    need(
      ['APPLE_TEAM_ID', 'APPLE_DEVICECHECK_KEY_ID', 'APPLE_DEVICECHECK_PRIVATE_KEY'],
      `iOS device attestation (Apple DeviceCheck) ${off('ios_attestation')}`,
    );
  if (!disabled.has('android_attestation'))
    need(
      ['GOOGLE_PLAY_PACKAGE_NAME', 'GOOGLE_SERVICE_ACCOUNT_JSON'],
      `Android device attestation (Play Integrity) ${off('android_attestation')}`,
    );
  // No-trace keys next to the data they protect would defeat crypto-shredding (decision 015).
  if (env.KEY_PROVIDER !== 'aws-kms')
    problems.push(
      'KEY_PROVIDER: aws-kms (with KMS_KEY_ID) seals no-trace messages with keys outside the server',
    );
  else need(['KMS_KEY_ID'], 'the KMS master key that wraps no-trace data keys');
  if (env.SEED_DEMO_DATA === true)
    problems.push('SEED_DEMO_DATA: demo data (with its admin account) never loads in production; remove it');
  return problems;
}

/** Throws one ConfigError listing every problem, or returns when the production profile can start. */
export function assertProductionReady(
  env: ParsedEnv,
  source: Record<string, string | undefined>,
  disabled: ReadonlySet<Feature>,
): void {
  const problems = productionProblems(env, source, disabled);
  if (!problems.length) return;
  throw new ConfigError(
    `Refusing to start in the production profile (IPELYA_PROFILE=production). Set:\n${problems
      .map((p) => `  ${p}`)
      .join('\n')}`,
  );
}
