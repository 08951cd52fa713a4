import { createHash } from 'node:crypto';
import { playintegrity, type playintegrity_v1 } from '@googleapis/playintegrity';
import type { JWT } from 'google-auth-library';
import type { Logger } from 'pino';
import { ConfigError } from '../deployment-profile.ts';
import type { Env } from '../env.ts';
import {
  googleErrorStatus,
  parseServiceAccount,
  type ServiceAccount,
  serviceAccountClient,
} from '../google/google-oauth.ts';
import { type AttestationResult, type AttestationVerifier, LocalAttestation } from './attestation.ts';

export { parseServiceAccount, type ServiceAccount } from '../google/google-oauth.ts';
export const PLAY_INTEGRITY_SCOPE = 'https://www.googleapis.com/auth/playintegrity';

type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

/** Subset of TokenPayloadExternal (playintegrity_v1.Schema$TokenPayloadExternal) that the verdict reads. */
export type IntegrityPayload = {
  requestDetails?: {
    requestPackageName?: string | null;
    requestHash?: string | null;
    nonce?: string | null;
    timestampMillis?: string | null;
  };
  appIntegrity?: { appRecognitionVerdict?: string | null; packageName?: string | null };
  deviceIntegrity?: { deviceRecognitionVerdict?: string[] | null };
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
  const bound = req.requestHash ?? req.nonce ?? undefined;
  if (bound !== undefined && bound.replace(/=+$/, '') !== binding)
    return { result: 'failed', reason: 'binding mismatch' };
  if (bound === undefined && expect.requireBinding)
    return { result: 'failed', reason: 'token not bound to install' };
  const issued = Number(req.timestampMillis);
  if (!Number.isFinite(issued) || expect.now - issued > expect.maxTokenAgeMs)
    return { result: 'failed', reason: 'token too old' };
  if (p.appIntegrity?.appRecognitionVerdict !== 'PLAY_RECOGNIZED')
    return { result: 'failed', reason: 'app not recognized' };
  if (p.appIntegrity.packageName != null && p.appIntegrity.packageName !== expect.packageName) {
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
 * Google Play Integrity: the server decodes the app's integrity token through Google (decodeIntegrityToken, via
 * @googleapis/playintegrity with a google-auth-library service-account client), then judges the verdict itself.
 * Verdict failing or token rejected by Google (400) → failed; our credentials, quota, Google outages, network →
 * unverifiable.
 */
export class PlayIntegrityVerifier implements AttestationVerifier {
  readonly name = 'play-integrity';
  private readonly now: () => number;
  private readonly api = playintegrity({ version: 'v1' });
  private auth: JWT;

  constructor(private readonly opts: PlayIntegrityOptions) {
    this.now = opts.now ?? Date.now;
    this.auth = this.newAuth();
  }

  private newAuth(): JWT {
    return serviceAccountClient(this.opts.serviceAccount, PLAY_INTEGRITY_SCOPE, {
      fetch: this.opts.fetch,
      timeoutMs: this.opts.timeoutMs,
    });
  }

  async verify(input: {
    platform: 'ios' | 'android' | 'web';
    token: string;
    installId: string;
  }): Promise<AttestationResult> {
    if (input.platform !== 'android') return 'unverifiable';
    try {
      // The grant first, on its own: a 400 from the token endpoint is our credentials, not the app's token.
      await this.auth.getAccessToken();
    } catch (err) {
      this.opts.log?.error({ err }, 'play integrity: cannot obtain Google access token');
      return 'unverifiable';
    }
    let payload: playintegrity_v1.Schema$TokenPayloadExternal | undefined;
    try {
      const res = await this.api.v1.decodeIntegrityToken(
        {
          packageName: this.opts.packageName,
          requestBody: { integrityToken: input.token },
          auth: this.auth,
        },
        // A verdict is needed now, while the device registers: no SDK retries with backoff.
        { retry: false },
      );
      payload = res.data.tokenPayloadExternal;
    } catch (err) {
      const status = googleErrorStatus(err);
      // Revoked or expired early: a fresh client (no cached token) makes the next call fetch a new one.
      if (status === 401) this.auth = this.newAuth();
      // 400 INVALID_ARGUMENT: Google could not decode the token (garbage, or minted for another app).
      if (status === 400) {
        this.opts.log?.info({ message: (err as Error).message }, 'play integrity: token rejected');
        return 'failed';
      }
      this.opts.log?.warn({ status, err: (err as Error).message }, 'play integrity: not verifiable');
      return 'unverifiable';
    }
    if (!payload) {
      this.opts.log?.warn('play integrity: decode answered without tokenPayloadExternal');
      return 'unverifiable';
    }
    const verdict = evaluateIntegrityPayload(payload, {
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
