import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import type { Logger } from 'pino';
import type { Env } from '../env.ts';
import { type AttestationResult, type AttestationVerifier, LocalAttestation } from './attestation.ts';

export const DEVICECHECK_PRODUCTION_URL = 'https://api.devicecheck.apple.com/v1/validate_device_token';
export const DEVICECHECK_DEVELOPMENT_URL =
  'https://api.development.devicecheck.apple.com/v1/validate_device_token';

type Log = Pick<Logger, 'warn' | 'error'>;

export type AppleDeviceCheckOptions = {
  teamId: string;
  keyId: string;
  /** Contents of the AuthKey_<keyId>.p8 file (PKCS#8 PEM). */
  privateKey: string;
  development?: boolean;
  fetch?: typeof fetch;
  log?: Log;
  now?: () => number;
  timeoutMs?: number;
};

/** Apple rejects provider tokens older than an hour; renewing at 30 min keeps a margin without re-signing per call. */
const JWT_REUSE_MS = 30 * 60 * 1000;

/**
 * Apple DeviceCheck server API: asks Apple whether a DCDevice token came from a genuine Apple device running
 * our app. 200 → verified; 400 for the device token → failed; anything else (our credentials, rate limits,
 * Apple outages, network) → unverifiable, because none of those say anything about the device.
 */
export class AppleDeviceCheckVerifier implements AttestationVerifier {
  readonly name = 'apple-devicecheck';
  private readonly url: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private key: Promise<CryptoKey> | null = null;
  private jwt: { token: string; issuedAt: number } | null = null;

  constructor(private readonly opts: AppleDeviceCheckOptions) {
    this.url = opts.development ? DEVICECHECK_DEVELOPMENT_URL : DEVICECHECK_PRODUCTION_URL;
    this.fetchImpl = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
  }

  async verify(input: {
    platform: 'ios' | 'android' | 'web';
    token: string;
    installId: string;
  }): Promise<AttestationResult> {
    if (input.platform !== 'ios') return 'unverifiable';
    let authorization: string;
    try {
      authorization = `Bearer ${await this.providerToken()}`;
    } catch (err) {
      this.opts.log?.error(
        { err },
        'apple devicecheck: cannot sign provider token (check APPLE_DEVICECHECK_PRIVATE_KEY)',
      );
      return 'unverifiable';
    }
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({
          device_token: input.token,
          transaction_id: randomUUID(),
          timestamp: this.now(),
        }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      text = await res.text().catch(() => '');
    } catch (err) {
      this.opts.log?.warn({ err }, 'apple devicecheck: request failed');
      return 'unverifiable';
    }
    if (res.status === 200) return 'verified';
    // Apple also answers 400 for our own mistakes ("Missing or badly formatted authorization token",
    // "Bad Timestamp"); only a rejected device token is the device's fault.
    if (res.status === 400 && !/authori[sz]ation|timestamp/i.test(text)) return 'failed';
    this.opts.log?.warn(
      { status: res.status, body: text.slice(0, 200) },
      'apple devicecheck: not verifiable',
    );
    return 'unverifiable';
  }

  /** ES256 provider JWT: header kid = key id, iss = team id, iat (Apple's APNs-style token). */
  private async providerToken(): Promise<string> {
    const now = this.now();
    if (this.jwt && now - this.jwt.issuedAt < JWT_REUSE_MS) return this.jwt.token;
    this.key ??= importPKCS8(normalizePem(this.opts.privateKey), 'ES256');
    const key = await this.key.catch((err) => {
      this.key = null; // let a fixed key be retried rather than caching the failure
      throw err;
    });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.opts.keyId })
      .setIssuer(this.opts.teamId)
      .setIssuedAt(Math.floor(now / 1000))
      .sign(key);
    this.jwt = { token, issuedAt: now };
    return token;
  }
}

/** Env files often carry a PEM on one line with literal "\n"; restore real newlines. */
export function normalizePem(pem: string): string {
  return pem.includes('\\n') ? pem.replace(/\\n/g, '\n').trim() : pem.trim();
}

/** DeviceCheck when all three Apple settings are present, otherwise the local (unverifiable) default. */
export function appleAttestationFromEnv(
  env: Pick<
    Env,
    | 'APPLE_TEAM_ID'
    | 'APPLE_DEVICECHECK_KEY_ID'
    | 'APPLE_DEVICECHECK_PRIVATE_KEY'
    | 'APPLE_DEVICECHECK_DEVELOPMENT'
  >,
  log?: Log,
): AttestationVerifier {
  const {
    APPLE_TEAM_ID: teamId,
    APPLE_DEVICECHECK_KEY_ID: keyId,
    APPLE_DEVICECHECK_PRIVATE_KEY: privateKey,
  } = env;
  if (teamId && keyId && privateKey) {
    return new AppleDeviceCheckVerifier({
      teamId,
      keyId,
      privateKey,
      development: env.APPLE_DEVICECHECK_DEVELOPMENT,
      log,
    });
  }
  if (teamId || keyId || privateKey) {
    log?.warn(
      'apple devicecheck: APPLE_TEAM_ID, APPLE_DEVICECHECK_KEY_ID and APPLE_DEVICECHECK_PRIVATE_KEY are all needed; iOS attestation stays unverifiable',
    );
  }
  return new LocalAttestation();
}
