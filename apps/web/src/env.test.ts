import { LOCAL_ANON_KEY } from '@ipelya/contracts';
import { describe, expect, it } from 'vitest';
import { parseEnv } from './env.ts';

describe('parseEnv', () => {
  it('defaults to the embedded local server and its anon key', () => {
    expect(parseEnv({})).toEqual({
      NEXT_PUBLIC_API_URL: 'http://localhost:54321',
      NEXT_PUBLIC_SUPABASE_URL: 'http://localhost:54321',
      NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_ANON_KEY,
    });
  });
  it('treats empty strings as unset', () => {
    expect(parseEnv({ NEXT_PUBLIC_API_URL: '' }).NEXT_PUBLIC_API_URL).toBe('http://localhost:54321');
  });
  it('accepts configured URLs and strips trailing slashes', () => {
    const env = parseEnv({
      NEXT_PUBLIC_API_URL: 'https://api.ipelya.example/',
      NEXT_PUBLIC_SUPABASE_URL: 'https://abc.supabase.co',
      NEXT_PUBLIC_SUPABASE_ANON_KEY: 'x'.repeat(40),
    });
    expect(env.NEXT_PUBLIC_API_URL).toBe('https://api.ipelya.example');
    expect(env.NEXT_PUBLIC_SUPABASE_URL).toBe('https://abc.supabase.co');
    expect(env.NEXT_PUBLIC_SUPABASE_ANON_KEY).toBe('x'.repeat(40));
  });
  it('rejects a non-http URL and names the variable', () => {
    expect(() => parseEnv({ NEXT_PUBLIC_API_URL: 'ftp://example.com' })).toThrow(/NEXT_PUBLIC_API_URL/);
    expect(() => parseEnv({ NEXT_PUBLIC_SUPABASE_URL: 'not a url' })).toThrow(/NEXT_PUBLIC_SUPABASE_URL/);
  });
  it('rejects an implausibly short anon key', () => {
    expect(() => parseEnv({ NEXT_PUBLIC_SUPABASE_ANON_KEY: 'abc' })).toThrow(/NEXT_PUBLIC_SUPABASE_ANON_KEY/);
  });
});
