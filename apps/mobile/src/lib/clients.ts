import { type ApiClient, createApiClient } from '@ipelya/api-client';
import { DEVICE_HEADER, PLATFORM_HEADER } from '@ipelya/contracts';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { env } from '../env';
import { useSessionStore } from '../state/session-store';
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

/** Where supabase-js keeps the session by default (`sb-<first label of the host>-auth-token`). */
export function authStorageKey(url: string = env.apiUrl): string {
  return `sb-${new URL(url).hostname.split('.')[0]}-auth-token`;
}

/**
 * Signs this device out without relying on the server (after account deletion every token is already
 * revoked). supabase-js keeps the stored session when its sign-out call fails for another reason than
 * an invalid token (no network…), so the stored session is then removed here and the app signed out.
 */
export async function forgetLocalSession(supabase: SupabaseClient): Promise<void> {
  let failed: boolean;
  try {
    failed = !!(await supabase.auth.signOut({ scope: 'local' })).error;
  } catch {
    failed = true;
  }
  if (!failed) return;
  const key = authStorageKey();
  await Promise.all(
    [key, `${key}-code-verifier`, `${key}-user`].map((k) =>
      secureStorage.removeItem(k).catch(() => undefined),
    ),
  );
  useSessionStore.getState().setSession(null);
}
