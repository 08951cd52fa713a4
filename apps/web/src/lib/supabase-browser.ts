'use client';

import { DEVICE_HEADER, PLATFORM_HEADER } from '@ipelya/contracts';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { env } from '../env.ts';
import { getInstallId } from './device.ts';

let client: SupabaseClient | null = null;

export function deviceHeaders(): Record<string, string> {
  return {
    [DEVICE_HEADER]: getInstallId(typeof window === 'undefined' ? undefined : window.localStorage),
    [PLATFORM_HEADER]: 'web',
  };
}

/** One supabase-js client per tab; it keeps the session in localStorage and refreshes it. */
export function getSupabase(): SupabaseClient {
  client ??= createClient(env.NEXT_PUBLIC_SUPABASE_URL, env.NEXT_PUBLIC_SUPABASE_ANON_KEY, {
    auth: {
      persistSession: true,
      autoRefreshToken: true,
      detectSessionInUrl: false,
      storageKey: 'ipelya-auth',
    },
    global: { headers: deviceHeaders() },
  });
  return client;
}
