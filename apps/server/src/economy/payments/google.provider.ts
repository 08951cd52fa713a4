import { createHash } from 'node:crypto';
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { DomainError } from '../../errors.ts';
import {
  GoogleServiceAccountToken,
  parseServiceAccount,
  type ServiceAccount,
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
const API = 'https://androidpublisher.googleapis.com/androidpublisher/v3/applications';
const enc = encodeURIComponent;

/** purchases.products.get */
export const productPurchaseUrl = (packageName: string, productId: string, token: string) =>
  `${API}/${enc(packageName)}/purchases/products/${enc(productId)}/tokens/${enc(token)}`;
/** purchases.products.consume */
export const consumeUrl = (packageName: string, productId: string, token: string) =>
  `${productPurchaseUrl(packageName, productId, token)}:consume`;
/** orders.get (the amount the buyer paid; ProductPurchase carries no price) */
export const orderUrl = (packageName: string, orderId: string) =>
  `${API}/${enc(packageName)}/orders/${enc(orderId)}`;

/** The ProductPurchase fields this adapter reads. */
export type ProductPurchase = {
  /** 0 purchased, 1 canceled, 2 pending */
  purchaseState?: number;
  /** 0 yet to be consumed, 1 consumed */
  consumptionState?: number;
  orderId?: string;
  /** 0 test (license tester), 1 promo, 2 rewarded; absent for real purchases */
  purchaseType?: number;
  obfuscatedExternalAccountId?: string;
  productId?: string;
  quantity?: number;
};

type Money = { currencyCode?: string; units?: string; nanos?: number };

/** Money (units + nanos) to ISO 4217 minor units. */
export function googleMinorUnits(m: Required<Pick<Money, 'currencyCode'>> & Money): number {
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
  private readonly tokens: GoogleServiceAccountToken | null = null;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(private readonly opts: GooglePlayOptions | null) {
    this.configured = opts !== null;
    this.fetchImpl = opts?.fetch ?? fetch;
    if (!opts) return;
    const now = opts.now ?? Date.now;
    this.tokens = new GoogleServiceAccountToken({
      serviceAccount: opts.serviceAccount,
      scope: ANDROID_PUBLISHER_SCOPE,
      fetch: this.fetchImpl,
      now,
      timeoutMs: opts.timeoutMs,
    });
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
    const res = await this.call('POST', consumeUrl(this.options.packageName, productId, purchaseToken));
    if (!res.ok) throw unavailable(`consume answered ${res.status}`);
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
    const res = await this.call('GET', productPurchaseUrl(this.options.packageName, productId, token));
    // 400/404/410: Google does not know this token for this product and app.
    if ([400, 404, 410].includes(res.status))
      throw new DomainError(
        'validation',
        'invalid_purchase_token',
        'Google Play does not know this purchase',
      );
    if (!res.ok) throw unavailable(`purchases.products.get answered ${res.status}`);
    return (await res.json()) as ProductPurchase;
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
      const res = await this.call('GET', orderUrl(this.options.packageName, p.orderId));
      const order = res.ok ? ((await res.json()) as { total?: Money }) : null;
      if (order?.total?.currencyCode) {
        amount = {
          amountMinor: googleMinorUnits({ ...order.total, currencyCode: order.total.currencyCode }),
          currency: order.total.currencyCode,
        };
      } else if (p.purchaseType !== 0) {
        // A real order must have a price; a license tester's test purchase moves no money (amount 0).
        throw unavailable(`orders.get answered ${res.status}`);
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

  /** One authorised Android Publisher call; a 401 drops the cached token so the next call gets a fresh one. */
  private async call(method: 'GET' | 'POST', url: string): Promise<Response> {
    let access: string;
    try {
      access = await this.tokens!.get();
    } catch (err) {
      throw unavailable(`Google access token: ${(err as Error).message}`);
    }
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: { authorization: `Bearer ${access}` },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw unavailable(`Android Publisher API unreachable: ${(err as Error).message}`);
    }
    if (res.status === 401 || res.status === 403) {
      if (res.status === 401) this.tokens!.invalidate();
      throw unavailable(`Android Publisher API refused our credentials (${res.status})`);
    }
    return res;
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
