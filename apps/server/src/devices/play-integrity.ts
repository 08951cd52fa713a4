import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importPKCS8, SignJWT } from 'jose';
import type { Logger } from 'pino';
import type { Env } from '../env.ts';
import { normalizePem } from './apple-devicecheck.ts';
import { type AttestationResult, type AttestationVerifier, LocalAttestation } from './attestation.ts';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const PLAY_INTEGRITY_SCOPE = 'https://www.googleapis.com/auth/playintegrity';
export const playIntegrityDecodeUrl = (packageName: string) =>
  `https://playintegrity.googleapis.com/v1/${encodeURIComponent(packageName)}:decodeIntegrityToken`;

type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

/** The fields of a Google service-account key file this adapter uses. */
export type ServiceAccount = {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
};

/** Subset of TokenPayloadExternal (DecodeIntegrityTokenResponse.tokenPayloadExternal) that the verdict reads. */
export type IntegrityPayload = {
  requestDetails?: {
    requestPackageName?: string;
    requestHash?: string;
    nonce?: string;
    timestampMillis?: string;
  };
  appIntegrity?: { appRecognitionVerdict?: string; packageName?: string };
  deviceIntegrity?: { deviceRecognitionVerdict?: string[] };
};

export type PlayIntegrityOptions = {
  packageName: string;
  serviceAccount: ServiceAccount;
  /** Reject tokens not bound to the install id (requestHash or nonce = integrityRequestBinding(installId)). */
  requireBinding?: boolean;
  /** Oldest accepted requestDetails.timestampMillis; stops replay of an old token. */
  maxTokenAgeMs?: number;
  fetch?: typeof fetch;
  log?: Log;
  now?: () => number;
  timeoutMs?: number;
};

/**
 * The value the app passes as `requestHash` (standard request) or `nonce` (classic request) so a token is
 * only good for the install that registers it: base64url(SHA-256("ipelya-device:" + installId)), no padding.
 * Classic nonces must be base64 web-safe, no-wrap and ≥16 bytes, which a SHA-256 digest satisfies.
 */
export function integrityRequestBinding(installId: string): string {
  return createHash('sha256').update(`ipelya-device:${installId}`).digest('base64url');
}

/** Pure verdict check, exported for tests and for reuse by other callers of decodeIntegrityToken. */
export function evaluateIntegrityPayload(
  p: IntegrityPayload,
  expect: {
    packageName: string;
    installId: string;
    requireBinding: boolean;
    maxTokenAgeMs: number;
    now: number;
  },
): { result: 'verified' | 'failed'; reason?: string } {
  const req = p.requestDetails ?? {};
  // requestDetails first (Google's guidance): a token minted for another app or request says nothing here.
  if (req.requestPackageName !== expect.packageName)
    return { result: 'failed', reason: 'package name mismatch' };
  const binding = integrityRequestBinding(expect.installId);
  const bound = req.requestHash ?? req.nonce;
  if (bound !== undefined && bound.replace(/=+$/, '') !== binding)
    return { result: 'failed', reason: 'binding mismatch' };
  if (bound === undefined && expect.requireBinding)
    return { result: 'failed', reason: 'token not bound to install' };
  const issued = Number(req.timestampMillis);
  if (!Number.isFinite(issued) || expect.now - issued > expect.maxTokenAgeMs)
    return { result: 'failed', reason: 'token too old' };
  if (p.appIntegrity?.appRecognitionVerdict !== 'PLAY_RECOGNIZED')
    return { result: 'failed', reason: 'app not recognized' };
  if (p.appIntegrity.packageName !== undefined && p.appIntegrity.packageName !== expect.packageName) {
    return { result: 'failed', reason: 'app package mismatch' };
  }
  const device = p.deviceIntegrity?.deviceRecognitionVerdict ?? [];
  // MEETS_STRONG_INTEGRITY is listed together with MEETS_DEVICE_INTEGRITY; accept either to be robust.
  if (!device.includes('MEETS_DEVICE_INTEGRITY') && !device.includes('MEETS_STRONG_INTEGRITY')) {
    return { result: 'failed', reason: 'device integrity not met' };
  }
  return { result: 'verified' };
}

/**
 * Google Play Integrity: the server decodes the app's integrity token through Google (decodeIntegrityToken)
 * with a service-account OAuth token, then judges the verdict itself. Verdict failing or token rejected by
 * Google (400) → failed; our credentials, quota, Google outages, network → unverifiable.
 */
export class PlayIntegrityVerifier implements AttestationVerifier {
  readonly name = 'play-integrity';
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private key: Promise<CryptoKey> | null = null;
  private access: { token: string; expiresAt: number } | null = null;
  private pendingAccess: Promise<string> | null = null;

  constructor(private readonly opts: PlayIntegrityOptions) {
    this.fetchImpl = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
  }

  async verify(input: {
    platform: 'ios' | 'android' | 'web';
    token: string;
    installId: string;
  }): Promise<AttestationResult> {
    if (input.platform !== 'android') return 'unverifiable';
    let accessToken: string;
    try {
      accessToken = await this.accessToken();
    } catch (err) {
      this.opts.log?.error({ err }, 'play integrity: cannot obtain Google access token');
      return 'unverifiable';
    }
    let res: Response;
    let body: {
      tokenPayloadExternal?: IntegrityPayload;
      error?: { code?: number; message?: string; status?: string };
    };
    try {
      res = await this.fetchImpl(playIntegrityDecodeUrl(this.opts.packageName), {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ integrity_token: input.token }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      body = await res.json().catch(() => ({}));
    } catch (err) {
      this.opts.log?.warn({ err }, 'play integrity: decode request failed');
      return 'unverifiable';
    }
    if (res.status === 401) this.access = null; // revoked/expired early: fetch a new one next time
    // 400 INVALID_ARGUMENT: Google could not decode the token (garbage, or minted for another app).
    if (res.status === 400) {
      this.opts.log?.info(
        { status: body.error?.status, message: body.error?.message },
        'play integrity: token rejected',
      );
      return 'failed';
    }
    if (!res.ok || !body.tokenPayloadExternal) {
      this.opts.log?.warn({ status: res.status, error: body.error }, 'play integrity: not verifiable');
      return 'unverifiable';
    }
    const verdict = evaluateIntegrityPayload(body.tokenPayloadExternal, {
      packageName: this.opts.packageName,
      installId: input.installId,
      requireBinding: this.opts.requireBinding ?? true,
      maxTokenAgeMs: this.opts.maxTokenAgeMs ?? 10 * 60 * 1000,
      now: this.now(),
    });
    if (verdict.result === 'failed')
      this.opts.log?.info({ reason: verdict.reason }, 'play integrity: verdict failed');
    return verdict.result;
  }

  /** OAuth2 JWT-bearer grant for the service account; cached until a minute before expiry, one refresh at a time. */
  private accessToken(): Promise<string> {
    if (this.access && this.now() < this.access.expiresAt - 60_000) return Promise.resolve(this.access.token);
    this.pendingAccess ??= this.fetchAccessToken().finally(() => {
      this.pendingAccess = null;
    });
    return this.pendingAccess;
  }

  private async fetchAccessToken(): Promise<string> {
    const sa = this.opts.serviceAccount;
    const tokenUrl = sa.token_uri ?? GOOGLE_TOKEN_URL;
    this.key ??= importPKCS8(normalizePem(sa.private_key), 'RS256');
    const key = await this.key.catch((err) => {
      this.key = null;
      throw err;
    });
    const iat = Math.floor(this.now() / 1000);
    const assertion = await new SignJWT({ scope: PLAY_INTEGRITY_SCOPE })
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
    const res = await this.fetchImpl(tokenUrl, {
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
    this.access = { token: body.access_token, expiresAt: this.now() + (body.expires_in ?? 3600) * 1000 };
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

/** Play Integrity when the package name and a readable service account are present, otherwise the local default. */
export function androidAttestationFromEnv(
  env: Pick<Env, 'GOOGLE_PLAY_PACKAGE_NAME' | 'GOOGLE_SERVICE_ACCOUNT_JSON'>,
  log?: Log,
): AttestationVerifier {
  const { GOOGLE_PLAY_PACKAGE_NAME: packageName, GOOGLE_SERVICE_ACCOUNT_JSON: saValue } = env;
  if (packageName && saValue) {
    try {
      return new PlayIntegrityVerifier({ packageName, serviceAccount: parseServiceAccount(saValue), log });
    } catch (err) {
      // A broken key must not stop the server; Android attestation just stays unverifiable.
      log?.error(
        { err: (err as Error).message },
        'play integrity: GOOGLE_SERVICE_ACCOUNT_JSON unusable; Android attestation stays unverifiable',
      );
      return new LocalAttestation();
    }
  }
  if (packageName || saValue) {
    log?.warn(
      'play integrity: GOOGLE_PLAY_PACKAGE_NAME and GOOGLE_SERVICE_ACCOUNT_JSON are both needed; Android attestation stays unverifiable',
    );
  }
  return new LocalAttestation();
}
