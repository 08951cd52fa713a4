import { type ApiClient, createApiClient } from '@ipelya/api-client';
import { DEVICE_HEADER, PLATFORM_HEADER } from '@ipelya/contracts';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { env } from '../env';
import { type AppPlatform, currentPlatform, getInstallId } from './device';
import { secureStorage } from './secure-storage';

export type Clients = {
  supabase: SupabaseClient;
  api: ApiClient;
  installId: string;
  platform: AppPlatform;
};

let pending: Promise<Clients> | null = null;

async function create(): Promise<Clients> {
  const installId = await getInstallId();
  const platform = currentPlatform();
  // Both clients carry the device headers so the server can bind every session to this install.
  const headers = { [DEVICE_HEADER]: installId, [PLATFORM_HEADER]: platform };
  const supabase = createClient(env.apiUrl, env.anonKey, {
    auth: {
      storage: secureStorage,
      autoRefreshToken: true,
      persistSession: true,
      detectSessionInUrl: false,
    },
    global: { headers },
  });
  const api = createApiClient({
    baseUrl: env.apiUrl,
    headers,
    getAccessToken: async () => (await supabase.auth.getSession()).data.session?.access_token ?? null,
  });
  return { supabase, api, installId, platform };
}

/** Creates the supabase and API clients once (the install id must be read from storage first). */
export function initClients(): Promise<Clients> {
  pending ??= create().catch((err: unknown) => {
    pending = null;
    throw err;
  });
  return pending;
}
