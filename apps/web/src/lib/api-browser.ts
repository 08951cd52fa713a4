'use client';

import { type ApiClient, createApiClient } from '@ipelya/api-client';
import { env } from '../env.ts';
import { deviceHeaders, getSupabase } from './supabase-browser.ts';

let api: ApiClient | null = null;

/** The typed API client, authenticated with whatever session supabase-js currently holds. */
export function getApi(): ApiClient {
  api ??= createApiClient({
    baseUrl: env.NEXT_PUBLIC_API_URL,
    getAccessToken: async () => (await getSupabase().auth.getSession()).data.session?.access_token ?? null,
    headers: deviceHeaders(),
  });
  return api;
}
