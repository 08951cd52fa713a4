import { createHash } from 'node:crypto';
import { androidpublisher, type androidpublisher_v3 } from '@googleapis/androidpublisher';
import type { JWT } from 'google-auth-library';
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { DomainError } from '../../errors.ts';
import {
  googleErrorStatus,
  parseServiceAccount,
  type ServiceAccount,
  serviceAccountClient,
} from '../../google/google-oauth.ts';
import {
  badSignature,
  malformed,
  notConfigured,
  type PaymentEvent,
  type PaymentProvider,
  type WebhookRequest,
} from './provider.ts';

export const ANDROID_PUBLISHER_SCOPE = 'https://www.googleapis.com/auth/androidpublisher';
export const GOOGLE_OIDC_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

/** The ProductPurchase fields this adapter reads (purchases.products.get). */
export type ProductPurchase = Pick<
  androidpublisher_v3.Schema$ProductPurchase,
  | 'purchaseState'
  | 'consumptionState'
  | 'orderId'
  | 'purchaseType'
  | 'obfuscatedExternalAccountId'
  | 'productId'
  | 'quantity'
>;

type Money = androidpublisher_v3.Schema$Money;

/** Money (units + nanos) to ISO 4217 minor units. */
export function googleMinorUnits(m: Money & { currencyCode: string }): number {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency: m.currencyCode }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  return Number(m.units ?? '0') * 10 ** digits + Math.round((m.nanos ?? 0) / 10 ** (9 - digits));
}

const PushSchema = z.object({
  message: z.object({
    data: z.string().min(1),
    messageId: z.string().min(1).optional(),
    message_id: z.string().min(1).optional(),
  }),
  subscription: z.string().optional(),
});

/** DeveloperNotification (Real-time developer notifications reference). */
const NotificationSchema = z.object({
  version: z.string().optional(),
  packageName: z.string().min(1),
  eventTimeMillis: z.union([z.string(), z.number()]).optional(),
  oneTimeProductNotification: z
    .object({ notificationType: z.number().int(), purchaseToken: z.string().min(1), sku: z.string().min(1) })
    .optional(),
  voidedPurchaseNotification: z
    .object({
      purchaseToken: z.string().min(1),
      orderId: z.string().min(1),
      productType: z.number().int().optional(),
      refundType: z.number().int().optional(),
    })
    .optional(),
  subscriptionNotification: z.unknown().optional(),
  testNotification: z.unknown().optional(),
});

const ONE_TIME_PRODUCT_PURCHASED = 1;
const PRODUCT_TYPE_ONE_TIME = 2;

export type GooglePlayOptions = {
  packageName: string;
  serviceAccount: ServiceAccount;
  /** The push subscription's OIDC audience; without it the webhook is not configured. */
  pubsubAudience?: string;
  /** The service account the push subscription signs as (the token's `email`); checked when set. */
  pubsubServiceAccountEmail?: string;
  jwksUrl?: string;
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
};

/**
 * Google Play Billing for consumable coin products: the app sends the purchase token, the server verifies it with
 * the Android Publisher API (purchases.products.get), credits, then consumes it. Real-time developer
 * notifications arrive as Pub/Sub pushes authenticated by a Google-signed OIDC token.
 */
export class GooglePlayProvider implements PaymentProvider {
  readonly name = 'google' as const;
  readonly configured: boolean;
  private readonly fetchImpl: typeof fetch;
  private readonly api = androidpublisher({ version: 'v3' });
  private auth: JWT | null = null;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(private readonly opts: GooglePlayOptions | null) {
    this.configured = opts !== null;
    this.fetchImpl = opts?.fetch ?? fetch;
    if (!opts) return;
    this.auth = this.newAuth(opts);
    this.jwks = createRemoteJWKSet(new URL(opts.jwksUrl ?? GOOGLE_OIDC_JWKS_URL), {
      [customFetch]: (url: string, init: RequestInit) => this.fetchImpl(url, init),
    });
  }

  /**
   * A purchase token the app submits: purchased, made for this account (obfuscatedAccountId), keyed by the
   * order id so resubmissions and the matching notification credit once.
   */
  async verifyPurchase(
    productId: string,
    purchaseToken: string,
    userId: string,
  ): Promise<{ event: PaymentEvent; consumed: boolean }> {
    const p = await this.productPurchase(productId, purchaseToken);
    if (p.obfuscatedExternalAccountId?.toLowerCase() !== userId.toLowerCase()) {
      throw new DomainError(
        'forbidden',
        'purchase_account_mismatch',
        'this purchase was made for another account (obfuscatedAccountId)',
      );
    }
    if (p.purchaseState !== 0) {
      throw new DomainError(
        'conflict',
        p.purchaseState === 2 ? 'purchase_pending' : 'purchase_canceled',
        p.purchaseState === 2 ? 'the purchase is still pending payment' : 'the purchase was canceled',
      );
    }
    const event = await this.succeeded(
      p,
      productId,
      purchaseToken,
      `purchase:${externalKey(p, purchaseToken)}`,
    );
    return { event, consumed: p.consumptionState === 1 };
  }

  /** purchases.products.consume, after the coins are credited (so a crash in between leaves it re-submittable). */
  async consume(productId: string, purchaseToken: string): Promise<void> {
    const { packageName } = this.options;
    await this.call('purchases.products.consume', (auth) =>
      this.api.purchases.products.consume(
        { packageName, productId, token: purchaseToken, auth },
        { retry: false },
      ),
    );
  }

  async parseWebhook(req: WebhookRequest): Promise<PaymentEvent[]> {
    const opts = this.options;
    if (!opts.pubsubAudience) throw notConfigured('google (GOOGLE_PUBSUB_AUDIENCE)');
    await this.verifyPushToken(req.headers.get('authorization'), opts.pubsubAudience);
    let push: z.infer<typeof PushSchema>;
    let n: z.infer<typeof NotificationSchema>;
    try {
      push = PushSchema.parse(JSON.parse(req.rawBody));
      n = NotificationSchema.parse(JSON.parse(Buffer.from(push.message.data, 'base64').toString('utf8')));
    } catch (err) {
      throw malformed(err instanceof SyntaxError ? 'invalid JSON' : (err as Error).message.slice(0, 200));
    }
    const messageId = push.message.messageId ?? push.message.message_id;
    if (!messageId) throw malformed('message.messageId missing');
    const eventId = `rtdn:${messageId}`;
    if (n.packageName !== opts.packageName) return [ignored(eventId, `package ${n.packageName}`)];
    if (n.oneTimeProductNotification) {
      const o = n.oneTimeProductNotification;
      if (o.notificationType !== ONE_TIME_PRODUCT_PURCHASED)
        return [ignored(eventId, `one-time product notification type ${o.notificationType}`)];
      // The notification only names the token: the purchase itself is read back from Google.
      const p = await this.productPurchase(o.sku, o.purchaseToken);
      if (p.purchaseState !== 0) return [ignored(eventId, `purchase state ${p.purchaseState}`)];
      return [await this.succeeded(p, o.sku, o.purchaseToken, eventId)];
    }
    if (n.voidedPurchaseNotification) {
      const v = n.voidedPurchaseNotification;
      if (v.productType !== undefined && v.productType !== PRODUCT_TYPE_ONE_TIME)
        return [ignored(eventId, 'voided subscription')];
      return [{ type: 'refunded', eventId, externalId: `google:${v.orderId}` }];
    }
    if (n.testNotification) return [ignored(eventId, 'test notification')];
    return [ignored(eventId, 'notification not about coin purchases')];
  }

  private get options(): GooglePlayOptions {
    if (!this.opts) throw notConfigured('google');
    return this.opts;
  }

  private async verifyPushToken(header: string | null, audience: string) {
    const token = header?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (!token) throw badSignature('missing Authorization: Bearer token');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.jwks!, {
        issuer: GOOGLE_ISSUERS,
        audience,
        algorithms: ['RS256'],
        currentDate: this.opts?.now ? new Date(this.opts.now()) : undefined,
      }));
    } catch (err) {
      // Trouble fetching Google's keys is ours to retry (503); anything wrong with the token itself is a 401.
      const keysUnavailable =
        !(err instanceof joseErrors.JOSEError) ||
        err instanceof joseErrors.JWKSTimeout ||
        err instanceof joseErrors.JWKSInvalid ||
        err.code === 'ERR_JOSE_GENERIC';
      if (keysUnavailable) throw unavailable('Google signing keys could not be fetched');
      throw badSignature(`push token rejected (${(err as joseErrors.JOSEError).code})`);
    }
    const email = this.opts?.pubsubServiceAccountEmail;
    if (email && (payload.email !== email || payload.email_verified !== true))
      throw badSignature('push token signed for another service account');
  }

  private async productPurchase(productId: string, token: string): Promise<ProductPurchase> {
    const { packageName } = this.options;
    const res = await this.call(
      'purchases.products.get',
      (auth) => this.api.purchases.products.get({ packageName, productId, token, auth }, { retry: false }),
      // 400/404/410: Google does not know this token for this product and app.
      [400, 404, 410],
    );
    if (!res)
      throw new DomainError(
        'validation',
        'invalid_purchase_token',
        'Google Play does not know this purchase',
      );
    return res.data;
  }

  private async succeeded(
    p: ProductPurchase,
    productId: string,
    token: string,
    eventId: string,
  ): Promise<PaymentEvent> {
    if ((p.quantity ?? 1) !== 1) throw malformed('coin purchases have quantity 1');
    // A license tester's test purchase (purchaseType 0) moves no money and reports no amount: the product id ↔
    // package mapping is then the check (decision 013).
    let amount: { amountMinor: number | null; currency: string | null } = {
      amountMinor: null,
      currency: null,
    };
    if (p.orderId) {
      const { packageName } = this.options;
      const orderId = p.orderId;
      // Any answer but an order (404 for a test purchase, say) leaves the amount to the purchase type below.
      const res = await this.call(
        'orders.get',
        (auth) => this.api.orders.get({ packageName, orderId, auth }, { retry: false }),
        'any',
      );
      const order = res?.data ?? null;
      if (order?.total?.currencyCode) {
        amount = {
          amountMinor: googleMinorUnits({ ...order.total, currencyCode: order.total.currencyCode }),
          currency: order.total.currencyCode,
        };
      } else if (p.purchaseType !== 0) {
        // A real order must have a price; a license tester's test purchase moves no money (amount 0).
        throw unavailable('orders.get answered without a total');
      }
    } else if (p.purchaseType !== 0) {
      throw malformed('purchase without orderId');
    }
    return {
      type: 'payment_succeeded',
      eventId,
      externalId: `google:${externalKey(p, token)}`,
      productId,
      userId: p.obfuscatedExternalAccountId?.toLowerCase(),
      ...amount,
    };
  }

  private newAuth(opts: GooglePlayOptions): JWT {
    return serviceAccountClient(opts.serviceAccount, ANDROID_PUBLISHER_SCOPE, {
      fetch: this.fetchImpl,
      timeoutMs: opts.timeoutMs,
    });
  }

  /**
   * One authorised Android Publisher call through the SDK. Statuses in `expected` (or any HTTP error for 'any')
   * answer null; everything else is Google being unavailable to us. A 401 replaces the client, dropping its
   * cached token, so the next call gets a fresh one.
   */
  private async call<T>(
    method: string,
    send: (auth: JWT) => Promise<T>,
    expected: number[] | 'any' = [],
  ): Promise<T | null> {
    const opts = this.options;
    const auth = this.auth!;
    try {
      // The grant first, on its own: a failing token endpoint must not read as an answer about the purchase.
      await auth.getAccessToken();
    } catch (err) {
      throw unavailable(`Google access token: ${(err as Error).message}`);
    }
    try {
      return await send(auth);
    } catch (err) {
      const status = googleErrorStatus(err);
      if (status === null) throw unavailable(`Android Publisher API unreachable: ${(err as Error).message}`);
      if (status === 401 || status === 403) {
        if (status === 401) this.auth = this.newAuth(opts);
        throw unavailable(`Android Publisher API refused our credentials (${status})`);
      }
      if (expected === 'any' || expected.includes(status)) return null;
      throw unavailable(`${method} answered ${status}`);
    }
  }
}

/** The order id keys a purchase; test purchases may have none, then a digest of the token does. */
const externalKey = (p: ProductPurchase, token: string) =>
  p.orderId ?? `token-${createHash('sha256').update(token).digest('hex').slice(0, 40)}`;

const ignored = (eventId: string, reason: string): PaymentEvent => ({ type: 'ignored', eventId, reason });

const unavailable = (detail: string) =>
  new DomainError('unavailable', 'provider_unavailable', `Google Play: ${detail}`);

type GoogleEnv = Pick<
  Env,
  | 'GOOGLE_PLAY_PACKAGE_NAME'
  | 'GOOGLE_SERVICE_ACCOUNT_JSON'
  | 'GOOGLE_PUBSUB_AUDIENCE'
  | 'GOOGLE_PUBSUB_SERVICE_ACCOUNT_EMAIL'
  | 'GOOGLE_OIDC_JWKS_URL'
>;

/** Configured with the package name and a readable service account; otherwise registered as not configured. */
export function googleProviderFromEnv(env: GoogleEnv, log?: Pick<Logger, 'error'>): GooglePlayProvider {
  if (!env.GOOGLE_PLAY_PACKAGE_NAME || !env.GOOGLE_SERVICE_ACCOUNT_JSON) return new GooglePlayProvider(null);
  try {
    return new GooglePlayProvider({
      packageName: env.GOOGLE_PLAY_PACKAGE_NAME,
      serviceAccount: parseServiceAccount(env.GOOGLE_SERVICE_ACCOUNT_JSON),
      pubsubAudience: env.GOOGLE_PUBSUB_AUDIENCE,
      pubsubServiceAccountEmail: env.GOOGLE_PUBSUB_SERVICE_ACCOUNT_EMAIL,
      jwksUrl: env.GOOGLE_OIDC_JWKS_URL,
    });
  } catch (err) {
    log?.error({ err: (err as Error).message }, 'google play billing: GOOGLE_SERVICE_ACCOUNT_JSON unusable');
    return new GooglePlayProvider(null);
  }
}
