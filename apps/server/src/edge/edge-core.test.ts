import { readdirSync } from 'node:fs';
import { LOCAL_JWT_SECRET } from '@ipelya/contracts';
import { describe, expect, it } from 'vitest';
import { CRON_SECRET_HEADER, edgeEnv, jobCallerAllowed, stripPrefix } from './edge-core.ts';

describe('edgeEnv', () => {
  it('on Supabase: uses SUPABASE_DB_URL, verifies Supabase Auth tokens, never the public local secret', () => {
    // A Supabase project runs the production profile, so a missing provider refuses to boot.
    expect(() =>
      edgeEnv({
        SUPABASE_DB_URL: 'postgresql://u:p@db.example:5432/postgres',
        SUPABASE_URL: 'https://ref.supabase.co',
      }),
    ).toThrow(/production profile[\s\S]*PUBLIC_URL[\s\S]*FIREWALL_SECRET/);
    const env = edgeEnv({
      SUPABASE_DB_URL: 'postgresql://u:p@db.example:5432/postgres',
      SUPABASE_URL: 'https://ref.supabase.co',
      PUBLIC_URL: 'https://ref.supabase.co/functions/v1/api',
      FIREWALL_SECRET: 'f'.repeat(40),
      STORAGE_DRIVER: 's3',
      S3_ACCESS_KEY_ID: 'k',
      S3_SECRET_ACCESS_KEY: 's',
      S3_BUCKET: 'media',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      DISABLED_FEATURES: 'payouts,ios_attestation,android_attestation',
      KEY_PROVIDER: 'aws-kms',
      KMS_KEY_ID: 'alias/edge',
    });
    expect(env.profile).toBe('production');
    expect(env.DATABASE_URL).toBe('postgresql://u:p@db.example:5432/postgres');
    expect(env.AUTH_MODE).toBe('supabase');
    expect(env.JWT_SECRET).not.toBe(LOCAL_JWT_SECRET);
    expect(env.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(env.RUN_JOBS).toBe(false);
    expect(env.SEED_DEMO_DATA).toBe(false);
    // Migrations belong to `supabase db push`: the function migrates against an empty directory.
    expect(readdirSync(env.MIGRATIONS_DIR)).toEqual([]);
  });

  it('explicit settings win over the Supabase mapping', () => {
    const env = edgeEnv({
      SUPABASE_DB_URL: 'postgresql://u:p@db.example:5432/postgres',
      DATABASE_URL: 'postgresql://u:p@pooler.example:5432/postgres',
      AUTH_MODE: 'embedded',
      RUN_JOBS: 'true',
    });
    expect(env.DATABASE_URL).toBe('postgresql://u:p@pooler.example:5432/postgres');
    expect(env.AUTH_MODE).toBe('embedded');
    expect(env.RUN_JOBS).toBe(false);
    expect(readdirSync(env.MIGRATIONS_DIR).length).toBeGreaterThan(0);
  });

  it('locally: embedded auth on PGlite in memory, migrations applied', () => {
    const env = edgeEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.EMBEDDED_DB).toBe('memory');
    expect(env.AUTH_MODE).toBe('embedded');
    expect(readdirSync(env.MIGRATIONS_DIR).some((f) => f.endsWith('.sql'))).toBe(true);
  });
});

describe('stripPrefix', () => {
  it('turns the function path into the server path and keeps method, query and body', async () => {
    const req = new Request('http://edge/api/auth/v1/otp?x=1', { method: 'POST', body: '{"a":1}' });
    const out = stripPrefix(req, '/api');
    expect(new URL(out.url).pathname).toBe('/auth/v1/otp');
    expect(new URL(out.url).search).toBe('?x=1');
    expect(out.method).toBe('POST');
    expect(await out.json()).toEqual({ a: 1 });
    expect(new URL(stripPrefix(new Request('http://edge/api/api/health'), '/api').url).pathname).toBe(
      '/api/health',
    );
    expect(new URL(stripPrefix(new Request('http://edge/api'), '/api').url).pathname).toBe('/');
    // Only a whole segment is a prefix.
    expect(new URL(stripPrefix(new Request('http://edge/apix/health'), '/api').url).pathname).toBe(
      '/apix/health',
    );
  });
});

describe('jobCallerAllowed', () => {
  const source = {
    CRON_SECRET: 'cron-secret-0123456789',
    SUPABASE_SERVICE_ROLE_KEY: 'service-role-0123456789',
  };
  const req = (headers: Record<string, string>) =>
    new Request('http://edge/publish-scheduled', { method: 'POST', headers });

  it('accepts the cron secret header or the service-role key', () => {
    expect(jobCallerAllowed(req({ [CRON_SECRET_HEADER]: 'cron-secret-0123456789' }), source)).toBe(true);
    expect(jobCallerAllowed(req({ authorization: 'Bearer service-role-0123456789' }), source)).toBe(true);
  });

  it('refuses everything else, and everything when nothing is configured', () => {
    expect(jobCallerAllowed(req({}), source)).toBe(false);
    expect(jobCallerAllowed(req({ [CRON_SECRET_HEADER]: 'cron-secret-012345678' }), source)).toBe(false);
    expect(jobCallerAllowed(req({ authorization: 'Bearer cron-secret-0123456789' }), source)).toBe(false);
    expect(jobCallerAllowed(req({ [CRON_SECRET_HEADER]: '' }), {})).toBe(false);
    // Too short to be a secret: configured by mistake, so refused.
    expect(jobCallerAllowed(req({ [CRON_SECRET_HEADER]: 'short' }), { CRON_SECRET: 'short' })).toBe(false);
  });
});
