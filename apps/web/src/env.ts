import { LOCAL_ANON_KEY, LOCAL_SERVER_URL } from '@ipelya/contracts';
import { z } from 'zod';

const HttpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));

const EnvSchema = z.object({
  /** Origin of the İpelya API (apps/server). */
  NEXT_PUBLIC_API_URL: HttpUrl.default(LOCAL_SERVER_URL),
  /** Origin of Supabase Auth: the embedded server locally, a Supabase project in production. */
  NEXT_PUBLIC_SUPABASE_URL: HttpUrl.default(LOCAL_SERVER_URL),
  NEXT_PUBLIC_SUPABASE_ANON_KEY: z
    .string()
    .min(20, 'looks too short for an anon key')
    .default(LOCAL_ANON_KEY),
});
export type Env = z.infer<typeof EnvSchema>;

/** Validates raw variables; empty strings count as unset so `FOO=` falls back to the default. */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === '' ? undefined : v]));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success)
    throw new Error(`Invalid environment for @ipelya/web:\n${z.prettifyError(result.error)}`);
  return result.data;
}

// Each NEXT_PUBLIC_* is spelled out because Next inlines only literal `process.env.NAME` reads into
// the browser bundle (at build time).
export const env: Env = parseEnv({
  NEXT_PUBLIC_API_URL: process.env.NEXT_PUBLIC_API_URL,
  NEXT_PUBLIC_SUPABASE_URL: process.env.NEXT_PUBLIC_SUPABASE_URL,
  NEXT_PUBLIC_SUPABASE_ANON_KEY: process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY,
});
