import { LOCAL_JWT_SECRET } from '@ipelya/contracts';
import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';

describe('server configuration', () => {
  it('runs on embedded defaults with nothing set', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      PORT: 54321,
      AUTH_MODE: 'embedded',
      STORAGE_DRIVER: 'local',
      PUBLIC_URL: 'http://localhost:54321',
    });
    expect(env.TOKEN_VERIFY_SECRET).toBe(LOCAL_JWT_SECRET);
  });

  it('names the bad variable', () => {
    expect(() => loadEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadEnv({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32/);
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(/production profile[\s\S]*JWT_SECRET: /);
    expect(() => loadEnv({ AUTH_MODE: 'supabase' })).toThrow(/SUPABASE_URL/);
  });

  it('never trusts the public demo secret when Supabase Auth issues the tokens', () => {
    const env = loadEnv({ AUTH_MODE: 'supabase', SUPABASE_URL: 'https://abc.supabase.co' });
    expect(env.TOKEN_VERIFY_SECRET).toBeUndefined();
    expect(env.JWT_SECRET).not.toBe(LOCAL_JWT_SECRET);
  });
});
