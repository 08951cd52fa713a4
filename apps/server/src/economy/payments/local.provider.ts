import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  badSignature,
  type CheckoutRequest,
  type CheckoutSession,
  malformed,
  type PaymentEvent,
  type PaymentProvider,
  type WebhookRequest,
} from './provider.ts';

export const LOCAL_SIGNATURE_HEADER = 'x-ipelya-signature';
/** Deliveries older than this are refused as replays, like Stripe's default tolerance. */
export const LOCAL_TOLERANCE_SECONDS = 300;

const LocalEventSchema = z.discriminatedUnion('type', [
  z.object({
    id: z.string().min(1),
    type: z.literal('payment.succeeded'),
    checkout_id: z.string().min(1),
    payment_id: z.string().min(1),
    amount_minor: z.number().int().nonnegative(),
    currency: z.string().regex(/^[A-Z]{3}$/),
  }),
  z.object({
    id: z.string().min(1),
    type: z.literal('payment.failed'),
    checkout_id: z.string().min(1),
    reason: z.string(),
  }),
  z.object({
    id: z.string().min(1),
    type: z.literal('payment.refunded'),
    payment_id: z.string().min(1),
    /** A partial refund: the amount of this refund in minor units. Absent: the whole payment. */
    amount_minor: z.number().int().positive().optional(),
  }),
  z.object({
    id: z.string().min(1),
    type: z.enum(['dispute.created', 'dispute.won']),
    payment_id: z.string().min(1),
  }),
]);
export type LocalEvent = z.infer<typeof LocalEventSchema>;

/**
 * The embedded default: a checkout page served by this server that completes or fails a payment, and a
 * webhook signed like Stripe's (`t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`) that goes through the same
 * verification and crediting path as every real provider.
 */
export class LocalPaymentProvider implements PaymentProvider {
  readonly name = 'local' as const;
  readonly configured = true;

  constructor(
    private readonly secret: string,
    private readonly publicUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async createCheckout(req: CheckoutRequest): Promise<CheckoutSession> {
    return {
      checkoutId: req.checkoutId,
      redirectUrl: `${this.publicUrl}/checkout/local/${req.checkoutId}`,
      clientSecret: null,
    };
  }

  sign(body: string, at = Math.floor(this.now() / 1000)): string {
    const v1 = createHmac('sha256', this.secret).update(`${at}.${body}`).digest('hex');
    return `t=${at},v1=${v1}`;
  }

  async parseWebhook(req: WebhookRequest): Promise<PaymentEvent[]> {
    const header = req.headers.get(LOCAL_SIGNATURE_HEADER);
    if (!header) throw badSignature(`missing ${LOCAL_SIGNATURE_HEADER} header`);
    const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
    const at = Number(parts.t);
    if (!Number.isInteger(at) || !parts.v1) throw badSignature('header must be t=<unix>,v1=<hex>');
    if (Math.abs(this.now() / 1000 - at) > LOCAL_TOLERANCE_SECONDS)
      throw badSignature('timestamp outside the tolerance window');
    const expected = Buffer.from(
      createHmac('sha256', this.secret).update(`${at}.${req.rawBody}`).digest('hex'),
      'hex',
    );
    const given = Buffer.from(parts.v1, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw badSignature('signature mismatch');
    let parsed: LocalEvent;
    try {
      parsed = LocalEventSchema.parse(JSON.parse(req.rawBody));
    } catch (err) {
      throw malformed(err instanceof Error ? err.message.slice(0, 200) : 'invalid JSON');
    }
    switch (parsed.type) {
      case 'payment.succeeded':
        return [
          {
            type: 'payment_succeeded',
            eventId: parsed.id,
            externalId: parsed.payment_id,
            checkoutId: parsed.checkout_id,
            amountMinor: parsed.amount_minor,
            currency: parsed.currency,
          },
        ];
      case 'payment.failed':
        return [
          {
            type: 'payment_failed',
            eventId: parsed.id,
            checkoutId: parsed.checkout_id,
            reason: parsed.reason,
          },
        ];
      case 'payment.refunded':
        return [
          {
            type: 'refunded',
            eventId: parsed.id,
            externalId: parsed.payment_id,
            ...(parsed.amount_minor === undefined ? {} : { amountMinor: parsed.amount_minor }),
          },
        ];
      case 'dispute.created':
        return [{ type: 'chargeback_opened', eventId: parsed.id, externalId: parsed.payment_id }];
      case 'dispute.won':
        return [{ type: 'chargeback_won', eventId: parsed.id, externalId: parsed.payment_id }];
    }
  }
}
