import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  badSignature,
  malformed,
  type PaymentEvent,
  type PaymentProvider,
  type WebhookRequest,
} from './provider.ts';

/**
 * ISO 4217 exponents that are not 2. RevenueCat reports prices as decimal numbers (32.99); we store integer
 * minor units with ISO's exponent, the same unit coin_packages.prices uses. Intl's digits are CLDR display
 * rules (HUF shows 0 decimals, ISO says 2), so the table is explicit.
 */
// biome-ignore format: grouped by exponent
const ISO_EXPONENTS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0,
  VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** 32.99 CAD → 3299; 480 JPY → 480; 1.234 KWD → 1234. Rounded, because 32.99 * 100 is 3298.9999… */
export function toMinorUnits(amount: number, currency: string): number {
  const exp = ISO_EXPONENTS[currency] ?? 2;
  return Math.max(0, Math.round(amount * 10 ** exp));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The documented envelope { api_version, event: {...} }; RevenueCat adds fields over time, so the rest passes.
const WebhookSchema = z
  .object({
    api_version: z.string().optional(),
    event: z
      .object({
        id: z.string().min(1),
        type: z.string().min(1),
        app_user_id: z.string().nullish(),
        product_id: z.string().nullish(),
        transaction_id: z.string().nullish(),
        store: z.string().nullish(),
        environment: z.string().nullish(),
        currency: z.string().nullish(),
        price: z.number().nullish(),
        price_in_purchased_currency: z.number().nullish(),
        cancel_reason: z.string().nullish(),
      })
      .loose(),
  })
  .loose();
type RcEvent = z.infer<typeof WebhookSchema>['event'];

export type RevenueCatOptions = {
  /** The exact Authorization header value set in RevenueCat's webhook settings. */
  authorization: string;
  /** Sandbox purchases are free for testers: crediting them is off in production. */
  allowSandbox: boolean;
};

/**
 * RevenueCat webhooks: an alternative path for App Store / Play Store coin purchases when the app buys through
 * RevenueCat's SDK. The app sets RevenueCat's appUserID to our auth user id, so app_user_id says who bought;
 * product_id is the store product id of a coin package. A purchase is keyed `${store}:${transaction_id}`
 * (transaction ids are unique per store only). Run either this path or the direct Apple/Google verification for
 * a given store, not both: they key the same transaction under different providers.
 */
export class RevenueCatPaymentProvider implements PaymentProvider {
  readonly name = 'revenuecat' as const;
  readonly configured = true;
  private readonly expected: Buffer;

  constructor(private readonly opts: RevenueCatOptions) {
    this.expected = createHash('sha256').update(opts.authorization).digest();
  }

  async parseWebhook(req: WebhookRequest): Promise<PaymentEvent[]> {
    const given = req.headers.get('authorization');
    // Hashing first makes the comparison constant-time regardless of the header's length.
    if (!given || !timingSafeEqual(createHash('sha256').update(given).digest(), this.expected))
      throw badSignature('authorization header does not match');
    let body: z.infer<typeof WebhookSchema>;
    try {
      body = WebhookSchema.parse(JSON.parse(req.rawBody));
    } catch (err) {
      throw malformed(err instanceof Error ? err.message.slice(0, 200) : 'invalid JSON');
    }
    return [this.mapEvent(body.event)];
  }

  private mapEvent(ev: RcEvent): PaymentEvent {
    const eventId = ev.id; // reused by RevenueCat on retries
    const ignored = (reason: string): PaymentEvent => ({ type: 'ignored', eventId, reason });
    switch (ev.type) {
      // Consumables arrive as NON_RENEWING_PURCHASE; INITIAL_PURCHASE is accepted too and only credits when its
      // product is a coin package (a subscription product finds none and is recorded as unmatched).
      case 'INITIAL_PURCHASE':
      case 'NON_RENEWING_PURCHASE': {
        const externalId = storeTransaction(ev);
        if (!externalId || !ev.product_id)
          throw malformed(`${ev.type} without store, transaction_id or product_id`);
        if (ev.environment === 'SANDBOX' && !this.opts.allowSandbox)
          return ignored('sandbox purchase; sandbox crediting is disabled');
        const userId = ev.app_user_id?.toLowerCase();
        return {
          type: 'payment_succeeded',
          eventId,
          externalId,
          // Anonymous RevenueCat ids ($RCAnonymousID:…) are not our users: the purchase stays unmatched.
          ...(userId && UUID.test(userId) ? { userId } : {}),
          productId: ev.product_id,
          ...amount(ev),
        };
      }
      case 'CANCELLATION': {
        // Only CUSTOMER_SUPPORT means the money went back (App Store / Play refund); other reasons are
        // subscription auto-renew changes, which consumable coins don't have.
        if (ev.cancel_reason !== 'CUSTOMER_SUPPORT')
          return ignored(`cancellation ${ev.cancel_reason ?? 'unknown'}`);
        const externalId = storeTransaction(ev);
        if (!externalId) throw malformed('CANCELLATION without store or transaction_id');
        return { type: 'refunded', eventId, externalId };
      }
      // A reversed refund only restores disputes in our ledger; refunded coins come back through support.
      case 'REFUND_REVERSED':
        return ignored('refund reversal; review manually');
      default:
        return ignored(`unhandled event type ${ev.type}`);
    }
  }
}

const storeTransaction = (ev: RcEvent) =>
  ev.store && ev.transaction_id ? `${ev.store}:${ev.transaction_id}` : null;

/**
 * What the buyer paid: price_in_purchased_currency in `currency`. RevenueCat's `price` is a USD estimate, not
 * what was charged, so it is not reported as the amount: without a local price the product id ↔ package
 * mapping is the check (decision 013).
 */
function amount(ev: RcEvent): { amountMinor: number | null; currency: string | null } {
  const currency = ev.currency?.toUpperCase();
  if (ev.price_in_purchased_currency != null && currency && /^[A-Z]{3}$/.test(currency))
    return { amountMinor: toMinorUnits(ev.price_in_purchased_currency, currency), currency };
  return { amountMinor: null, currency: null };
}
