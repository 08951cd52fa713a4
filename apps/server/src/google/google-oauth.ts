import { readFileSync } from 'node:fs';
import { JWT } from 'google-auth-library';
import { normalizePem } from '../devices/apple-devicecheck.ts';

/** The fields of a Google service-account key file the server uses. */
export type ServiceAccount = {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
};

export type ServiceAccountClientOptions = {
  /** Replaces the HTTP transport (tests point it at a fake Google); the SDK still builds every request. */
  fetch?: typeof fetch;
  timeoutMs?: number;
};

/**
 * google-auth-library's service-account client (JWT-bearer grant, RFC 7523) for one scope, shared by every
 * Google API adapter (Play Integrity, Android Publisher). It caches the access token and refreshes it a minute
 * before expiry; concurrent callers share one grant. The same transport carries the API calls made with it.
 */
export function serviceAccountClient(
  sa: ServiceAccount,
  scope: string,
  opts: ServiceAccountClientOptions = {},
): JWT {
  return new JWT({
    email: sa.client_email,
    key: normalizePem(sa.private_key),
    keyId: sa.private_key_id,
    scopes: [scope],
    eagerRefreshThresholdMillis: 60_000,
    transporterOptions: {
      timeout: opts.timeoutMs ?? 10_000,
      ...(opts.fetch ? { fetchImplementation: opts.fetch } : {}),
    },
  });
}

/** The HTTP status of a failed google-auth-library / googleapis call (GaxiosError), or null for network errors. */
export function googleErrorStatus(err: unknown): number | null {
  const status = (err as { response?: { status?: unknown } } | null)?.response?.status;
  return typeof status === 'number' ? status : null;
}

/** Accepts the key file's JSON, or a path to it (values starting with "{" are JSON). */
export function parseServiceAccount(value: string): ServiceAccount {
  const text = value.trim().startsWith('{') ? value : readFileSync(value.trim(), 'utf8');
  let sa: Partial<ServiceAccount>;
  try {
    sa = JSON.parse(text) as Partial<ServiceAccount>;
  } catch {
    // JSON.parse errors quote the input, which here is a private key: keep it out of logs.
    throw new Error('service account is not valid JSON');
  }
  if (!sa.client_email || !sa.private_key)
    throw new Error('service account JSON needs client_email and private_key');
  return sa as ServiceAccount;
}
