import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Database } from '@ipelya/db';
import Iyzipay from 'iyzipay';
import type { Logger } from 'pino';
import { z } from 'zod';
import { applyProviderEvents, type PaymentProviders, providerOf } from './payments.service.ts';
import {
  badSignature,
  type CheckoutRequest,
  type CheckoutSession,
  malformed,
  type PaymentEvent,
  type PaymentProvider,
  type WebhookRequest,
} from './provider.ts';

export const IYZICO_SANDBOX_URL = 'https://sandbox-api.iyzipay.com';
export const IYZICO_SIGNATURE_HEADER = 'x-iyz-signature-v3';
export const IYZICO_CALLBACK_PATH = '/webhooks/iyzico/callback';

/**
 * Placeholders for buyer fields Iyzico's Checkout Form requires but İpelya never collects (and must not fill
 * with a persona's data). identityNumber: Iyzico accepts 11111111111 for buyers without a Turkish id number;
 * the card holder enters their own details on Iyzico's hosted page.
 */
export const IYZICO_BUYER_PLACEHOLDER = {
  name: 'İpelya',
  surname: 'Member',
  identityNumber: '11111111111',
  address: 'Not collected (digital goods)',
  city: 'Istanbul',
  country: 'Turkey',
} as const;

/** Our minor units as Iyzico's decimal string, formatted like the official SDK (34999 → "349.99", 35000 → "350.0"). */
export function iyzicoPrice(minor: number): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new Error(`invalid amount ${minor}`);
  const major = Math.floor(minor / 100);
  const cents = minor % 100;
  if (cents === 0) return `${major}.0`;
  return cents % 10 === 0 ? `${major}.${cents / 10}` : `${major}.${String(cents).padStart(2, '0')}`;
}

/** A decimal from a response (number or string) with trailing zeros removed, as Iyzico signs it ("10.50" → "10.5"). */
export function trimPrice(value: string | number): string {
  const s = typeof value === 'number' ? String(value) : value.trim();
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** A response decimal back to minor units; anything finer than a kuruş is refused, never rounded. */
export function minorFromPrice(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const s = trimPrice(value);
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Response signature: hex HMAC-SHA256 with the secret key over the documented fields joined with ":". */
export function iyzicoResponseSignature(secretKey: string, fields: (string | number | undefined | null)[]) {
  return createHmac('sha256', secretKey)
    .update(fields.map((f) => (f === undefined || f === null ? '' : String(f))).join(':'))
    .digest('hex');
}

/**
 * X-IYZ-SIGNATURE-V3 of a merchant notification: hex HMAC-SHA256 with the secret key over secretKey +
 * iyziEventType + iyziPaymentId + token + paymentConversationId + status (hosted page: Checkout Form, Pay with
 * iyzico), or secretKey + iyziEventType + paymentId + paymentConversationId + status (direct API payments).
 */
export function iyzicoWebhookSignature(secretKey: string, n: IyzicoNotification) {
  const parts = n.token
    ? [n.iyziEventType, n.iyziPaymentId ?? '', n.token, n.paymentConversationId ?? '', n.status]
    : [n.iyziEventType, n.paymentId ?? n.iyziPaymentId ?? '', n.paymentConversationId ?? '', n.status];
  return createHmac('sha256', secretKey)
    .update(secretKey + parts.map(String).join(''))
    .digest('hex');
}

function sameHex(given: string, expected: string) {
  const a = Buffer.from(given.trim().toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

const id = z.union([z.string().min(1), z.number().int()]).transform(String);
const NotificationSchema = z.object({
  iyziEventType: z.string().min(1),
  iyziReferenceCode: z.string().min(1),
  iyziEventTime: z.number().optional(),
  status: z.string().min(1),
  paymentConversationId: z.string().optional(),
  iyziPaymentId: id.optional(),
  paymentId: id.optional(),
  token: z.string().min(1).optional(),
  merchantId: id.optional(),
});
export type IyzicoNotification = z.infer<typeof NotificationSchema>;

const price = z.union([z.number(), z.string()]);
/** Checkout Form retrieve answer: the fields we act on (the rest is informational). */
const RetrieveSchema = z.object({
  status: z.string(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  conversationId: z.string().optional(),
  token: z.string().optional(),
  paymentStatus: z.string().optional(),
  paymentId: id.optional(),
  basketId: z.string().optional(),
  currency: z.string().optional(),
  price: price.optional(),
  paidPrice: price.optional(),
  fraudStatus: z.number().optional(),
  signature: z.string().optional(),
  /** Iyzico's commission on this payment (rate amount + fixed fee), in the payment currency. */
  iyziCommissionRateAmount: price.optional(),
  iyziCommissionFee: price.optional(),
  itemTransactions: z
    .array(z.object({ itemId: z.string().optional(), paymentTransactionId: id.optional() }))
    .optional(),
});
export type CheckoutFormResult = z.infer<typeof RetrieveSchema>;

/** What the purchase we started says the payment must be; compared with Iyzico's signed answer, never the browser. */
export type ExpectedPurchase = {
  purchaseId: string;
  amountMinor: number;
  currency: string;
};
export type IyzicoPurchaseLookup = (token: string) => Promise<ExpectedPurchase | null>;

export class IyzicoApiError extends Error {}

export type IyzicoOptions = {
  apiKey: string;
  secretKey: string;
  /** Iyzico's API root (sandbox by default); tests point it at a local stand-in. */
  baseUrl?: string;
  publicUrl: string;
  locale?: 'tr' | 'en';
  timeoutMs?: number;
};

/**
 * Iyzico (Türkiye, TRY) through the official `iyzipay` client: Checkout Form initialize → Iyzico's hosted payment page → the
 * browser POSTs a token to our callback → we retrieve the result server-to-server, verify its signature and
 * compare it with the purchase before anything is credited. Merchant notifications (X-IYZ-SIGNATURE-V3) take
 * the same retrieve-and-compare path, so a closed browser tab still completes the purchase.
 *
 * The client signs the requests (IYZWSv2) and sends them; it verifies nothing it receives, so the response
 * signatures and the notification signature are checked here (decision 020).
 */
export class IyzicoPaymentProvider implements PaymentProvider {
  readonly name = 'iyzico' as const;
  readonly configured = true;
  private readonly client: Iyzipay;
  private purchases: IyzicoPurchaseLookup | null = null;

  constructor(private readonly o: IyzicoOptions) {
    if (!o.apiKey || !o.secretKey) throw new Error('iyzico needs both an API key and a secret key');
    this.client = new Iyzipay({
      apiKey: o.apiKey,
      secretKey: o.secretKey,
      uri: (o.baseUrl ?? IYZICO_SANDBOX_URL).replace(/\/$/, ''),
    });
  }

  /** The server wires its purchases in when it mounts the Iyzico routes; notifications credit only through it. */
  usePurchaseLookup(lookup: IyzicoPurchaseLookup) {
    this.purchases = lookup;
  }

  async createCheckout(req: CheckoutRequest): Promise<CheckoutSession> {
    const amount = iyzicoPrice(req.amountMinor);
    const request = {
      locale: this.o.locale ?? 'tr',
      conversationId: req.checkoutId,
      price: amount,
      paidPrice: amount,
      currency: req.currency,
      basketId: req.purchaseId,
      paymentGroup: 'PRODUCT',
      callbackUrl: `${this.o.publicUrl}${IYZICO_CALLBACK_PATH}`,
      // A single payment: installment surcharges would make paidPrice differ from the package price.
      enabledInstallments: [1],
      buyer: {
        id: req.userId,
        name: IYZICO_BUYER_PLACEHOLDER.name,
        surname: IYZICO_BUYER_PLACEHOLDER.surname,
        identityNumber: IYZICO_BUYER_PLACEHOLDER.identityNumber,
        email: req.email ?? `${req.userId}@users.ipelya.invalid`,
        registrationAddress: IYZICO_BUYER_PLACEHOLDER.address,
        city: IYZICO_BUYER_PLACEHOLDER.city,
        country: IYZICO_BUYER_PLACEHOLDER.country,
        ip: req.ip ?? '127.0.0.1',
      },
      billingAddress: {
        contactName: `${IYZICO_BUYER_PLACEHOLDER.name} ${IYZICO_BUYER_PLACEHOLDER.surname}`,
        city: IYZICO_BUYER_PLACEHOLDER.city,
        country: IYZICO_BUYER_PLACEHOLDER.country,
        address: IYZICO_BUYER_PLACEHOLDER.address,
      },
      basketItems: [
        {
          id: req.packageCode,
          name: `${req.coins} İpelya coins`,
          category1: 'Coins',
          itemType: 'VIRTUAL',
          price: amount,
        },
      ],
    };
    const res = await this.call(this.client.checkoutFormInitialize, 'create', request);
    const token = typeof res.token === 'string' ? res.token : null;
    const pageUrl = typeof res.paymentPageUrl === 'string' ? res.paymentPageUrl : null;
    if (!token || !pageUrl)
      throw new IyzicoApiError('iyzico: initialize answered without token or paymentPageUrl');
    if (typeof res.signature === 'string') {
      // Documented initialize signature: conversationId, token.
      const expected = iyzicoResponseSignature(this.o.secretKey, [res.conversationId as string, token]);
      if (!sameHex(res.signature, expected))
        throw new IyzicoApiError('iyzico: initialize signature mismatch');
    }
    return { checkoutId: token, redirectUrl: pageUrl, clientSecret: null };
  }

  /** Checkout Form retrieve; the answer's signature is verified before it is returned. */
  async retrieveCheckout(token: string): Promise<CheckoutFormResult> {
    const request = { locale: this.o.locale ?? 'tr', token };
    const raw = await this.call(this.client.checkoutForm, 'retrieve', request, true);
    const parsed = RetrieveSchema.safeParse(raw);
    if (!parsed.success) throw new IyzicoApiError('iyzico: retrieve answer has an unexpected shape');
    const r = parsed.data;
    if (r.status === 'success') {
      if (!r.signature) throw new IyzicoApiError('iyzico: retrieve answer is not signed');
      const expected = iyzicoResponseSignature(this.o.secretKey, [
        r.paymentStatus,
        r.paymentId,
        r.currency,
        r.basketId,
        r.conversationId,
        r.paidPrice === undefined ? undefined : trimPrice(r.paidPrice),
        r.price === undefined ? undefined : trimPrice(r.price),
        r.token,
      ]);
      if (!sameHex(r.signature, expected)) throw new IyzicoApiError('iyzico: retrieve signature mismatch');
    }
    return r;
  }

  /**
   * Turns a retrieved Checkout Form into what the pipeline applies, after comparing it with the purchase we
   * started. Event ids are per token and outcome, so the callback and the notification for one payment count once.
   */
  settle(token: string, r: CheckoutFormResult, expected: ExpectedPurchase | null): PaymentEvent[] {
    const ev = (suffix: string) => `cf:${token}:${suffix}`;
    if (!expected) {
      // A paid checkout we have no purchase for is a reconciliation item, not only a log line.
      if (r.status === 'success' && r.token === token && r.paymentStatus === 'SUCCESS' && r.paymentId)
        return [
          {
            type: 'payment_succeeded',
            eventId: ev('unmatched'),
            externalId: r.paymentId,
            checkoutId: token,
            amountMinor: minorFromPrice(r.paidPrice),
            currency: r.currency ?? null,
          },
        ];
      return [{ type: 'ignored', eventId: ev('unknown'), reason: 'no iyzico purchase for this token' }];
    }
    if (r.status !== 'success') {
      // The retrieve itself failed (expired or unknown token): the payment did not complete.
      return [
        {
          type: 'payment_failed',
          eventId: ev('failure'),
          checkoutId: token,
          reason: `iyzico ${r.errorCode ?? 'error'}: ${r.errorMessage ?? 'retrieve failed'}`.slice(0, 300),
        },
      ];
    }
    if (r.token !== token)
      return [{ type: 'ignored', eventId: ev('token-mismatch'), reason: 'retrieve answered another token' }];
    if (r.paymentStatus === 'FAILURE' || r.fraudStatus === -1) {
      return [
        {
          type: 'payment_failed',
          eventId: ev('failure'),
          checkoutId: token,
          reason:
            r.fraudStatus === -1 ? 'rejected by iyzico fraud review' : `iyzico payment ${r.paymentStatus}`,
        },
      ];
    }
    if (r.paymentStatus !== 'SUCCESS') {
      return [
        {
          type: 'ignored',
          eventId: ev(`status-${r.paymentStatus ?? 'none'}`),
          reason: `payment ${r.paymentStatus}`,
        },
      ];
    }
    if (r.fraudStatus === 0) {
      // Documented: wait for the notification before delivering; it re-runs this check.
      return [{ type: 'ignored', eventId: ev('fraud-review'), reason: 'payment in iyzico fraud review' }];
    }
    const price = minorFromPrice(r.price);
    const paid = minorFromPrice(r.paidPrice);
    const problems = [
      r.basketId !== expected.purchaseId && `basketId ${r.basketId} is not purchase ${expected.purchaseId}`,
      !r.conversationId?.startsWith('cs_iyzico_') &&
        `conversationId ${r.conversationId} is not one of our checkouts`,
      !r.paymentId && 'no paymentId',
    ].filter(Boolean) as string[];
    if (problems.length) {
      // Not an answer about this purchase: nothing is credited; the event stays for review.
      return [
        {
          type: 'ignored',
          eventId: ev('mismatch'),
          reason: `iyzico result does not match: ${problems.join('; ')}`,
        },
      ];
    }
    // The amount is reported as paid (paidPrice), and SQL compares it with the purchase: a mismatch is held for
    // review with a reconciliation item, never credited. A price that differs from paidPrice (installment
    // surcharges, a changed basket) reports no amount, which holds it too.
    // Commission amounts carry more decimals than kuruş ("0.08750000"): the fee is booked rounded to minor units.
    const fee = Math.round(
      [r.iyziCommissionRateAmount, r.iyziCommissionFee].reduce<number>((sum, v) => {
        const n = Number(v ?? 0);
        return Number.isFinite(n) && n > 0 ? sum + n * 100 : sum;
      }, 0),
    );
    return [
      {
        type: 'payment_succeeded',
        eventId: ev('success'),
        externalId: r.paymentId!,
        checkoutId: token,
        amountMinor: price === paid ? paid : null,
        currency: r.currency ?? null,
        ...(fee > 0 && r.currency ? { fee: { amountMinor: fee, currency: r.currency } } : {}),
      },
    ];
  }

  /**
   * Merchant notifications. Hosted-page events (CHECKOUT_FORM_AUTH, PAY_WITH_IYZICO…) carry the token: the
   * result is retrieved and compared like the callback. Refund retries that finally succeed reverse the purchase.
   */
  async parseWebhook(req: WebhookRequest): Promise<PaymentEvent[]> {
    const header = req.headers.get(IYZICO_SIGNATURE_HEADER);
    if (!header) throw badSignature(`missing ${IYZICO_SIGNATURE_HEADER} header`);
    let n: IyzicoNotification;
    try {
      n = NotificationSchema.parse(JSON.parse(req.rawBody));
    } catch (err) {
      throw malformed(err instanceof Error ? err.message.slice(0, 200) : 'invalid JSON');
    }
    if (!sameHex(header, iyzicoWebhookSignature(this.o.secretKey, n)))
      throw badSignature('signature mismatch');
    const eventId = `notification:${n.iyziReferenceCode}`;
    if (n.iyziEventType === 'REFUND_RETRY_SUCCESS') {
      const paymentId = n.paymentId ?? n.iyziPaymentId;
      if (!paymentId) throw malformed('refund notification without a paymentId');
      return [{ type: 'refunded', eventId, externalId: paymentId }];
    }
    if (!n.token)
      return [{ type: 'ignored', eventId, reason: `${n.iyziEventType} ${n.status}: not a checkout form` }];
    if (n.status !== 'SUCCESS' && n.status !== 'FAILURE')
      return [{ type: 'ignored', eventId, reason: `${n.iyziEventType} ${n.status}: not final` }];
    // Like the callback, the notification is only a hint: Iyzico's signed retrieve answer decides.
    if (!this.purchases)
      throw new IyzicoApiError('iyzico: no purchase lookup wired; refusing to settle blind');
    const expected = await this.purchases(n.token);
    return this.settle(n.token, await this.retrieveCheckout(n.token), expected);
  }

  /**
   * Refund (POST /payment/refund, per basket item: our checkouts have exactly one). The answer's signature
   * (paymentId, price, currency, conversationId) is verified; the returned event reverses the coins.
   */
  async refund(p: {
    paymentId: string;
    paymentTransactionId: string;
    amountMinor: number;
    currency: string;
    conversationId: string;
    ip?: string | null;
  }): Promise<PaymentEvent[]> {
    const request = {
      locale: this.o.locale ?? 'tr',
      conversationId: p.conversationId,
      paymentTransactionId: p.paymentTransactionId,
      price: iyzicoPrice(p.amountMinor),
      currency: p.currency,
      ip: p.ip ?? '127.0.0.1',
    };
    const res = await this.call(this.client.refund, 'create', request);
    const expected = iyzicoResponseSignature(this.o.secretKey, [
      res.paymentId as string,
      res.price === undefined ? undefined : trimPrice(res.price as string | number),
      res.currency as string,
      res.conversationId as string,
    ]);
    if (typeof res.signature !== 'string' || !sameHex(res.signature, expected))
      throw new IyzicoApiError('iyzico: refund signature mismatch');
    if (String(res.paymentId) !== p.paymentId)
      throw new IyzicoApiError('iyzico: refund answered another payment');
    return [{ type: 'refunded', eventId: `refund:${p.conversationId}`, externalId: p.paymentId }];
  }

  /**
   * One call through the client. `allowFailure`: a failure answer is returned (the caller maps it) instead of
   * thrown. The client has no timeout of its own, so the wait is bounded here. Its public create/retrieve drop the
   * HTTP status, so the request goes through `_request`, which they wrap (same path, body model and IYZWSv2
   * signing; iyzipay is pinned): a 5xx must stay an ambiguous error that is retried, never a refusal that fails
   * a purchase (decision 020).
   */
  private async call(
    resource: Iyzipay.Resource,
    method: 'create' | 'retrieve',
    request: Record<string, unknown>,
    allowFailure = false,
  ): Promise<Record<string, unknown>> {
    const timeoutMs = this.o.timeoutMs ?? 20_000;
    const { status, answer } = await new Promise<{ status: number; answer: unknown }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new IyzicoApiError(`iyzico: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      resource._config.body = request;
      resource._request(method, (err, res, body) => {
        clearTimeout(timer);
        if (err) reject(new IyzicoApiError(`iyzico: ${err.message}`));
        else resolve({ status: res?.statusCode ?? 0, answer: body });
      });
    });
    // A gateway error page (HTML) comes back as a string: nothing Iyzico decided.
    if (!answer || typeof answer !== 'object')
      throw new IyzicoApiError(`iyzico: HTTP ${status} without a JSON body`);
    if (status >= 500) throw new IyzicoApiError(`iyzico: HTTP ${status}`);
    const json = answer as Record<string, unknown>;
    if (json.status !== 'success' && !allowFailure)
      throw new IyzicoApiError(
        `iyzico: ${json.errorCode ?? status}: ${json.errorMessage ?? 'request failed'}`,
      );
    return json;
  }
}

/** The purchase a token belongs to, as this server recorded it when the checkout started. */
export function iyzicoPurchaseLookup(db: Database): IyzicoPurchaseLookup {
  return (token) =>
    db.service('payments:iyzico-lookup', async (tx) => {
      const { rows } = await tx.query<{ id: string; amount_minor: string; currency: string }>(
        `select id, amount_minor::text, currency from public.coin_purchases where provider = 'iyzico' and checkout_id = $1`,
        [token],
      );
      const r = rows[0];
      return r ? { purchaseId: r.id, amountMinor: Number(r.amount_minor), currency: r.currency } : null;
    });
}

/**
 * The browser's return from Iyzico's page. The posted token is only a key: the result comes from Iyzico's
 * signed retrieve answer, compared with our purchase, then applied exactly once like any webhook.
 */
export async function completeIyzicoCheckout(
  db: Database,
  providers: PaymentProviders,
  token: string,
  log: Logger,
): Promise<{ status: string; coins: number | null; outcome: string }> {
  const provider = providerOf(providers, 'iyzico') as IyzicoPaymentProvider;
  const lookup = iyzicoPurchaseLookup(db);
  const expected = await lookup(token);
  if (!expected) return { status: 'unknown', coins: null, outcome: 'unknown checkout' };
  const events = provider.settle(token, await provider.retrieveCheckout(token), expected);
  const { outcomes } = await applyProviderEvents(db, 'iyzico', events, log);
  const row = await db.service('payments:iyzico-result', async (tx) => {
    const { rows } = await tx.query<{ status: string; coins: string }>(
      'select status, coins::text from public.coin_purchases where id = $1',
      [expected.purchaseId],
    );
    return rows[0];
  });
  return {
    status: row?.status ?? 'unknown',
    coins: row ? Number(row.coins) : null,
    outcome: outcomes[0] ?? 'none',
  };
}
