import { LOCAL_ANON_KEY, LOCAL_SERVER_URL } from '@ipelya/contracts';
import { z } from 'zod';

const EnvSchema = z.object({
  apiUrl: z.url({ protocol: /^https?$/, error: 'EXPO_PUBLIC_API_URL must be an http(s) URL' }),
  anonKey: z.string().min(20, 'EXPO_PUBLIC_SUPABASE_ANON_KEY looks too short'),
  /** Web checkout provider for coin packages; `local` is the embedded server's own checkout page. */
  checkoutProvider: z.enum(['local', 'stripe', 'iyzico'], {
    error: 'EXPO_PUBLIC_CHECKOUT_PROVIDER must be local, stripe or iyzico',
  }),
});
export type Env = z.infer<typeof EnvSchema>;

export function parseEnv(raw: {
  apiUrl?: string | undefined;
  anonKey?: string | undefined;
  checkoutProvider?: string | undefined;
}): Env {
  const result = EnvSchema.safeParse({
    apiUrl: (raw.apiUrl || LOCAL_SERVER_URL).replace(/\/$/, ''),
    anonKey: raw.anonKey || LOCAL_ANON_KEY,
    checkoutProvider: raw.checkoutProvider || 'local',
  });
  if (!result.success) throw new Error(`Invalid app configuration:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/**
 * The only place that reads the environment. Expo inlines EXPO_PUBLIC_* at build time only for
 * literal `process.env.NAME` reads, so each variable is spelled out.
 */
export const env: Env = parseEnv({
  apiUrl: process.env.EXPO_PUBLIC_API_URL,
  anonKey: process.env.EXPO_PUBLIC_SUPABASE_ANON_KEY,
  checkoutProvider: process.env.EXPO_PUBLIC_CHECKOUT_PROVIDER,
});
