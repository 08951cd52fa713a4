import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Environment,
  type JWSTransactionDecodedPayload,
  NotificationTypeV2,
  type ResponseBodyV2DecodedPayload,
  SignedDataVerifier,
  VerificationException,
  VerificationStatus,
} from '@apple/app-store-server-library';
import type { Logger } from 'pino';
import type { Env } from '../../env.ts';
import { DomainError } from '../../errors.ts';
import {
  badSignature,
  malformed,
  notConfigured,
  type PaymentEvent,
  type PaymentProvider,
  type WebhookRequest,
} from './provider.ts';

/**
 * Apple Root CA - G3 (DER, base64), the root App Store signed data chains to; from
 * https://www.apple.com/certificateauthority/AppleRootCA-G3.cer. A test pins its SHA-256 fingerprint to the one
 * Apple publishes, so a changed byte fails the build. Inlined rather than read from disk so edge bundles have it.
 */
export const APPLE_ROOT_CA_G3 =
  'MIICQzCCAcmgAwIBAgIILcX8iNLFS5UwCgYIKoZIzj0EAwMwZzEbMBkGA1UEAwwSQXBwbGUgUm9vdCBDQSAtIEczMSYwJAYDVQQLDB1BcHBsZSBDZXJ0aWZpY2F0aW9uIEF1dGhvcml0eTETMBEGA1UECgwKQXBwbGUgSW5jLjELMAkGA1UEBhMCVVMwHhcNMTQwNDMwMTgxOTA2WhcNMzkwNDMwMTgxOTA2WjBnMRswGQYDVQQDDBJBcHBsZSBSb290IENBIC0gRzMxJjAkBgNVBAsMHUFwcGxlIENlcnRpZmljYXRpb24gQXV0aG9yaXR5MRMwEQYDVQQKDApBcHBsZSBJbmMuMQswCQYDVQQGEwJVUzB2MBAGByqGSM49AgEGBSuBBAAiA2IABJjpLz1AcqTtkyJygRMc3RCV8cWjTnHcFBbZDuWmBSp3ZHtfTjjTuxxEtX/1H7YyYl3J6YRbTzBPEVoA/VhYDKX1DyxNB0cTddqXl5dvMVztK517IDvYuVTZXpmkOlEKMaNCMEAwHQYDVR0OBBYEFLuw3qFYM4iapIqZ3r6966/ayySrMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMDA2gAMGUCMQCD6cHEFl4aXTQY2e3v9GwOAEZLuN+yRhHFD/3meoyhpmvOwgPUnPWTxnS4at+qIxUCMG1mihDK1A3UT82NQz60imOlM27jbdoXt2QfyFMm+YhidDkLF1vLUagM6BgD56KyKA==';
export const APPLE_ROOT_CA_G3_SHA256 =
  '63:34:3A:BF:B8:9A:6A:03:EB:B5:7E:9B:3F:5F:A7:BE:7C:4F:5C:75:6F:30:17:B3:A8:C4:88:C3:65:3E:91:79';

/** Root certificates from a directory of .cer/.der (DER) or .pem files; PEM is converted to the DER the library wants. */
export function loadRootCertificates(dir: string): Buffer[] {
  const certs = readdirSync(dir)
    .filter((f) => /\.(cer|der|pem|crt)$/i.test(f))
    .sort()
    .map((f) => new X509Certificate(readFileSync(join(dir, f))).raw);
  if (certs.length === 0) throw new Error(`no certificates (.cer, .der, .pem, .crt) in ${dir}`);
  return certs;
}

export type AppleEnvironment = 'Production' | 'Sandbox';

export type AppleIapOptions = {
  bundleId: string;
  environment: AppleEnvironment;
  /** The app's Apple ID; the library requires it in Production (it checks notifications against it). */
  appAppleId?: number;
  /** Also accept Sandbox-signed data (App Review and TestFlight buy in the sandbox against production servers). */
  allowSandbox?: boolean;
  /** DER root certificates; Apple Root CA - G3 unless given. */
  rootCertificates?: Buffer[];
  /** OCSP revocation checks and "now" as the validity date (Apple's recommendation in production). */
  onlineChecks?: boolean;
};

type Verifier = Pick<SignedDataVerifier, 'verifyAndDecodeTransaction' | 'verifyAndDecodeNotification'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Apple's `price` is in milliunits of `currency`; the ledger wants ISO 4217 minor units. */
export function appleMinorUnits(priceMilli: number, currency: string): number {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return Math.round((priceMilli * 10 ** digits) / 1000);
}

/**
 * Apple In-App Purchase for consumable coin products. The app sends the StoreKit 2 signed transaction (JWS, with
 * appAccountToken = the buyer's user id); App Store Server Notifications V2 report one-time charges and refunds.
 * Everything Apple signs is verified with the official SignedDataVerifier against Apple's root certificates.
 */
export class AppleIapProvider implements PaymentProvider {
  readonly name = 'apple' as const;
  readonly configured: boolean;
  /** The configured environment first, then Sandbox when allowed. */
  private readonly verifiers: { environment: AppleEnvironment; verifier: Verifier }[] = [];

  constructor(opts: AppleIapOptions | null) {
    this.configured = opts !== null;
    if (!opts) return;
    const roots = opts.rootCertificates ?? [Buffer.from(APPLE_ROOT_CA_G3, 'base64')];
    const online = opts.onlineChecks ?? true;
    const envs: AppleEnvironment[] =
      opts.environment === 'Production' && opts.allowSandbox ? ['Production', 'Sandbox'] : [opts.environment];
    for (const environment of envs) {
      const env = environment === 'Production' ? Environment.PRODUCTION : Environment.SANDBOX;
      this.verifiers.push({
        environment,
        verifier: new SignedDataVerifier(
          roots,
          online,
          env,
          opts.bundleId,
          env === Environment.PRODUCTION ? opts.appAppleId : undefined,
        ),
      });
    }
  }

  /**
   * A signed transaction the app submits. Only the buyer it was made for (appAccountToken) can claim it; the event
   * is keyed by Apple's transaction id so resubmissions and the matching notification credit once.
   */
  async verifyPurchase(signedTransaction: string, userId: string): Promise<PaymentEvent> {
    if (!this.configured) throw notConfigured('apple');
    const tx = await this.verify(signedTransaction, (v) => v.verifyAndDecodeTransaction(signedTransaction));
    if (!tx.appAccountToken || tx.appAccountToken.toLowerCase() !== userId.toLowerCase()) {
      throw new DomainError(
        'forbidden',
        'purchase_account_mismatch',
        'this transaction was made for another account (appAccountToken)',
      );
    }
    if (tx.revocationDate !== undefined)
      throw new DomainError('conflict', 'purchase_revoked', 'Apple refunded or revoked this transaction');
    return succeeded(tx, `transaction:${tx.transactionId}`);
  }

  async parseWebhook(req: WebhookRequest): Promise<PaymentEvent[]> {
    if (!this.configured) throw notConfigured('apple');
    let signedPayload: unknown;
    try {
      signedPayload = (JSON.parse(req.rawBody) as { signedPayload?: unknown }).signedPayload;
    } catch {
      throw malformed('body is not JSON');
    }
    if (typeof signedPayload !== 'string') throw malformed('signedPayload missing');
    const n: ResponseBodyV2DecodedPayload = await this.verify(signedPayload, (v) =>
      v.verifyAndDecodeNotification(signedPayload),
    );
    if (!n.notificationUUID) throw malformed('notificationUUID missing');
    const eventId = `notification:${n.notificationUUID}`;
    const transaction = async () => {
      const signed = n.data?.signedTransactionInfo;
      if (!signed) throw malformed(`${n.notificationType} without data.signedTransactionInfo`);
      return this.verify(signed, (v) => v.verifyAndDecodeTransaction(signed));
    };
    switch (n.notificationType) {
      case NotificationTypeV2.ONE_TIME_CHARGE: {
        const tx = await transaction();
        if (tx.type !== 'Consumable') return [ignored(eventId, `one-time charge for a ${tx.type}`)];
        // A purchase made without an appAccountToken cannot be tied to a buyer: recorded, not credited.
        return [succeeded(tx, eventId)];
      }
      case NotificationTypeV2.REFUND: {
        const tx = await transaction();
        if (!tx.transactionId) throw malformed('refunded transaction without transactionId');
        return [{ type: 'refunded', eventId, externalId: `apple:${tx.transactionId}` }];
      }
      case NotificationTypeV2.CONSUMPTION_REQUEST:
        // Answering needs the App Store Server API (Send Consumption Information); without an answer Apple decides alone.
        return [ignored(eventId, 'consumption request (no consumption information sent)')];
      case NotificationTypeV2.REFUND_REVERSED:
        // The ledger restores only won chargebacks; a reversed store refund is left to an operator.
        return [ignored(eventId, 'refund reversed: restore the coins manually if wanted')];
      case NotificationTypeV2.TEST:
        return [ignored(eventId, 'test notification')];
      default:
        return [ignored(eventId, `notification ${n.notificationType ?? 'without type'}`)];
    }
  }

  /** Runs a verification in the configured environment, then Sandbox when allowed; maps the library's failures. */
  private async verify<T>(jws: string, run: (v: Verifier) => Promise<T>): Promise<T> {
    // The library reports garbage and bad signatures alike; tell a malformed body (400) apart first.
    if (!COMPACT_JWS.test(jws) || !isJsonObject(jws.split('.')[0]!) || !isJsonObject(jws.split('.')[1]!))
      throw malformed('not a compact JWS');
    let last: unknown;
    for (const { verifier } of this.verifiers) {
      try {
        return await run(verifier);
      } catch (err) {
        last = err;
        if (err instanceof VerificationException && err.status === VerificationStatus.INVALID_ENVIRONMENT)
          continue;
        break;
      }
    }
    throw verificationError(last);
  }
}

function isJsonObject(segment: string): boolean {
  try {
    const v = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

function verificationError(err: unknown): DomainError {
  if (!(err instanceof VerificationException)) return badSignature('verification failed');
  switch (err.status) {
    case VerificationStatus.VERIFICATION_FAILURE:
    case VerificationStatus.INVALID_CERTIFICATE:
    case VerificationStatus.INVALID_CHAIN_LENGTH:
      return badSignature('App Store signature or certificate chain not valid');
    case VerificationStatus.INVALID_APP_IDENTIFIER:
      return malformed('signed for another app (bundle id / app Apple ID)');
    case VerificationStatus.INVALID_ENVIRONMENT:
      return malformed('signed for another App Store environment');
    case VerificationStatus.RETRYABLE_VERIFICATION_FAILURE:
      return new DomainError(
        'unavailable',
        'provider_unavailable',
        'Apple certificate status check failed; retry',
      );
    default:
      return malformed('App Store signed data not understood');
  }
}

const ignored = (eventId: string, reason: string): PaymentEvent => ({ type: 'ignored', eventId, reason });

function succeeded(tx: JWSTransactionDecodedPayload, eventId: string): PaymentEvent {
  if (!tx.transactionId || !tx.productId) throw malformed('transaction without transactionId or productId');
  if (tx.type !== 'Consumable') throw malformed(`coin products are consumables, not ${tx.type ?? 'unknown'}`);
  if ((tx.quantity ?? 1) !== 1) throw malformed('coin purchases have quantity 1');
  if (typeof tx.price !== 'number' || !tx.currency || !/^[A-Z]{3}$/.test(tx.currency))
    throw malformed('transaction without price and currency');
  return {
    type: 'payment_succeeded',
    eventId,
    externalId: `apple:${tx.transactionId}`,
    productId: tx.productId,
    userId:
      tx.appAccountToken && UUID.test(tx.appAccountToken) ? tx.appAccountToken.toLowerCase() : undefined,
    amountMinor: appleMinorUnits(tx.price, tx.currency),
    currency: tx.currency,
  };
}

type AppleEnv = Pick<
  Env,
  | 'APPLE_IAP_BUNDLE_ID'
  | 'APPLE_IAP_APP_APPLE_ID'
  | 'APPLE_IAP_ENVIRONMENT'
  | 'APPLE_IAP_ALLOW_SANDBOX'
  | 'APPLE_IAP_ONLINE_CHECKS'
  | 'APPLE_ROOT_CERTS_DIR'
>;

/** Configured with a bundle id (and the app's Apple ID in Production); otherwise registered as not configured. */
export function appleProviderFromEnv(env: AppleEnv, log?: Pick<Logger, 'warn' | 'error'>): AppleIapProvider {
  if (!env.APPLE_IAP_BUNDLE_ID) return new AppleIapProvider(null);
  if (env.APPLE_IAP_ENVIRONMENT === 'Production' && !env.APPLE_IAP_APP_APPLE_ID) {
    log?.warn('apple in-app purchase: APPLE_IAP_APP_APPLE_ID is required in Production; not configured');
    return new AppleIapProvider(null);
  }
  let rootCertificates: Buffer[] | undefined;
  try {
    rootCertificates = env.APPLE_ROOT_CERTS_DIR ? loadRootCertificates(env.APPLE_ROOT_CERTS_DIR) : undefined;
  } catch (err) {
    log?.error(
      { err: (err as Error).message },
      'apple in-app purchase: APPLE_ROOT_CERTS_DIR unusable; not configured',
    );
    return new AppleIapProvider(null);
  }
  return new AppleIapProvider({
    bundleId: env.APPLE_IAP_BUNDLE_ID,
    environment: env.APPLE_IAP_ENVIRONMENT,
    appAppleId: env.APPLE_IAP_APP_APPLE_ID,
    allowSandbox: env.APPLE_IAP_ALLOW_SANDBOX,
    onlineChecks: env.APPLE_IAP_ONLINE_CHECKS,
    rootCertificates,
  });
}
