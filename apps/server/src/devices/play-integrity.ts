import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { ConfigError } from '../deployment-profile.ts';
import type { Env } from '../env.ts';
import {
  GoogleServiceAccountToken,
  parseServiceAccount,
  type ServiceAccount,
} from '../google/google-oauth.ts';
import { type AttestationResult, type AttestationVerifier, LocalAttestation } from './attestation.ts';

export { GOOGLE_TOKEN_URL, parseServiceAccount, type ServiceAccount } from '../google/google-oauth.ts';
export const PLAY_INTEGRITY_SCOPE = 'https://www.googleapis.com/auth/playintegrity';
export const playIntegrityDecodeUrl = (packageName: string) =>
  `https://playintegrity.googleapis.com/v1/${encodeURIComponent(packageName)}:decodeIntegrityToken`;

type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

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
  private readonly tokens: GoogleServiceAccountToken;

  constructor(private readonly opts: PlayIntegrityOptions) {
    this.fetchImpl = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
    this.tokens = new GoogleServiceAccountToken({
      serviceAccount: opts.serviceAccount,
      scope: PLAY_INTEGRITY_SCOPE,
      fetch: this.fetchImpl,
      now: this.now,
      timeoutMs: opts.timeoutMs,
    });
  }

  async verify(input: {
    platform: 'ios' | 'android' | 'web';
    token: string;
    installId: string;
  }): Promise<AttestationResult> {
    if (input.platform !== 'android') return 'unverifiable';
    let accessToken: string;
    try {
      accessToken = await this.tokens.get();
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
    if (res.status === 401) this.tokens.invalidate(); // revoked/expired early: fetch a new one next time
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
}

/** Play Integrity when the package name and a readable service account are present, otherwise the local default. */
export function androidAttestationFromEnv(
  env: Pick<Env, 'GOOGLE_PLAY_PACKAGE_NAME' | 'GOOGLE_SERVICE_ACCOUNT_JSON'> & { profile?: Env['profile'] },
  log?: Log,
): AttestationVerifier {
  const { GOOGLE_PLAY_PACKAGE_NAME: packageName, GOOGLE_SERVICE_ACCOUNT_JSON: saValue } = env;
  if (packageName && saValue) {
    try {
      return new PlayIntegrityVerifier({ packageName, serviceAccount: parseServiceAccount(saValue), log });
    } catch (err) {
      // In production a broken key is a start-up error, never a silent "unverifiable" (decision 012).
      if (env.profile === 'production')
        throw new ConfigError(
          `Refusing to start in the production profile (IPELYA_PROFILE=production). Set:\n  GOOGLE_SERVICE_ACCOUNT_JSON: unusable (${(err as Error).message})`,
        );
      // Locally a broken key must not stop the server; Android attestation just stays unverifiable.
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
