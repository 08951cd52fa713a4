import { readFileSync } from 'node:fs';
import { importPKCS8, SignJWT } from 'jose';
import { normalizePem } from '../devices/apple-devicecheck.ts';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The fields of a Google service-account key file the server uses. */
export type ServiceAccount = {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
};

/**
 * OAuth2 access tokens for a Google service account (JWT-bearer grant, RFC 7523), shared by every Google API
 * adapter (Play Integrity, Android Publisher). Cached until a minute before expiry, one refresh at a time.
 */
export class GoogleServiceAccountToken {
  private key: Promise<CryptoKey> | null = null;
  private access: { token: string; expiresAt: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly opts: {
      serviceAccount: ServiceAccount;
      scope: string;
      fetch: typeof fetch;
      now: () => number;
      timeoutMs?: number;
    },
  ) {}

  get(): Promise<string> {
    if (this.access && this.opts.now() < this.access.expiresAt - 60_000)
      return Promise.resolve(this.access.token);
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** The API answered 401 (revoked or expired early): fetch a new token next time. */
  invalidate(): void {
    this.access = null;
  }

  private async fetchToken(): Promise<string> {
    const sa = this.opts.serviceAccount;
    const tokenUrl = sa.token_uri ?? GOOGLE_TOKEN_URL;
    this.key ??= importPKCS8(normalizePem(sa.private_key), 'RS256');
    const key = await this.key.catch((err) => {
      this.key = null;
      throw err;
    });
    const iat = Math.floor(this.opts.now() / 1000);
    const assertion = await new SignJWT({ scope: this.opts.scope })
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        ...(sa.private_key_id ? { kid: sa.private_key_id } : {}),
      })
      .setIssuer(sa.client_email)
      .setAudience(tokenUrl)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(key);
    const res = await this.opts.fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!res.ok || !body.access_token) {
      throw new Error(
        `google token endpoint ${res.status}: ${body.error ?? 'no error'} ${body.error_description ?? ''}`.trim(),
      );
    }
    this.access = {
      token: body.access_token,
      expiresAt: this.opts.now() + (body.expires_in ?? 3600) * 1000,
    };
    return body.access_token;
  }
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
