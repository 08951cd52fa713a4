import Stripe from 'stripe';
import { z } from 'zod';
import { invalid } from '../../errors.ts';
import {
  badSignature,
  type CheckoutRequest,
  type CheckoutSession,
  malformed,
  type PaymentEvent,
  type PaymentProvider,
  type WebhookRequest,
} from './provider.ts';

/** Stripe's own default: a signed delivery older than this is refused as a replay. */
export const STRIPE_TOLERANCE_SECONDS = 300;
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

/**
 * Our prices are ISO 4217 minor units, which is what Stripe expects for every currency except these, where
 * Stripe's unit differs from ISO's exponent or must be a multiple of 100 (docs.stripe.com/currencies#special-cases).
 * Rather than convert and risk charging 100× too much or too little, Stripe checkout refuses them.
 */
const STRIPE_SPECIAL_CURRENCIES = new Set(['ISK', 'HUF', 'TWD', 'UGX']);

export type StripeProviderOptions = {
  secretKey: string;
  webhookSecret: string;
  /** Where Checkout sends the buyer back to; our public URL by default. */
  returnUrl?: string;
  /** Injected in contract tests; production uses the SDK's own HTTP client. */
  fetch?: typeof fetch;
  now?: () => number;
};

// Only the fields we read; Stripe adds fields over API versions, so everything else passes through.
const id = z.string().min(1);
const ref = z.union([id, z.object({ id }).loose()]).nullish();
const refId = (r: string | { id: string } | null | undefined) =>
  typeof r === 'string' ? r : (r?.id ?? null);

const EventSchema = z
  .object({
    id,
    object: z.literal('event'),
    type: z.string().min(1),
    data: z.object({ object: z.object({}).loose() }),
  })
  .loose();
const SessionSchema = z
  .object({
    id,
    object: z.literal('checkout.session'),
    payment_status: z.string(),
    payment_intent: ref,
    amount_total: z.number().int().nonnegative().nullable(),
    currency: z.string().nullable(),
    client_reference_id: z.string().nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
  })
  .loose();
const PaymentIntentSchema = z
  .object({
    id,
    object: z.literal('payment_intent'),
    metadata: z.record(z.string(), z.string()).nullish(),
    last_payment_error: z
      .object({ message: z.string().nullish(), code: z.string().nullish() })
      .loose()
      .nullish(),
  })
  .loose();
const ChargeSchema = z
  .object({
    id,
    object: z.literal('charge'),
    payment_intent: ref,
    refunded: z.boolean(),
    amount_refunded: z.number().int().nonnegative().optional(),
  })
  .loose();
/** PaymentIntent with latest_charge.balance_transaction expanded: where Stripe reports its fee. */
const FeeSchema = z
  .object({
    latest_charge: z
      .object({
        balance_transaction: z.object({ fee: z.number().int().nonnegative(), currency: z.string() }).loose(),
      })
      .loose(),
  })
  .loose();
const DisputeSchema = z
  .object({
    id,
    object: z.literal('dispute'),
    charge: z.union([id, z.object({ id, payment_intent: ref }).loose()]),
    payment_intent: ref,
    status: z.string(),
  })
  .loose();

/**
 * Stripe Checkout (hosted page, mode payment). Webhooks are verified with the SDK over the exact raw body.
 * The payment is keyed by its PaymentIntent id: refunds (charge.payment_intent) and disputes
 * (dispute.payment_intent) name the same id, so they find the purchase the checkout credited.
 */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly configured = true;
  private readonly stripe: Stripe;

  constructor(private readonly opts: StripeProviderOptions) {
    this.stripe = new Stripe(opts.secretKey, {
      maxNetworkRetries: 1,
      timeout: 20_000,
      ...(opts.fetch ? { httpClient: Stripe.createFetchHttpClient(opts.fetch) } : {}),
    });
  }

  async createCheckout(req: CheckoutRequest): Promise<CheckoutSession> {
    if (STRIPE_SPECIAL_CURRENCIES.has(req.currency))
      throw invalid('currency', `${req.currency} is not offered through Stripe checkout`);
    const back = new URL(this.opts.returnUrl ?? req.returnUrl);
    back.searchParams.set('checkout', 'stripe');
    back.searchParams.set('purchase_id', req.purchaseId);
    const success = new URL(back);
    success.searchParams.set('result', 'success');
    const cancel = new URL(back);
    cancel.searchParams.set('result', 'cancelled');
    const metadata = { purchase_id: req.purchaseId, checkout_id: req.checkoutId };
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: req.currency.toLowerCase(),
              unit_amount: req.amountMinor,
              product_data: { name: `${req.coins} coins`, metadata: { package: req.packageCode } },
            },
          },
        ],
        client_reference_id: req.purchaseId,
        metadata,
        // Failed-payment events carry the PaymentIntent, not the session: the metadata ties them back.
        payment_intent_data: { metadata },
        ...(req.email ? { customer_email: req.email } : {}),
        success_url: success.toString(),
        cancel_url: cancel.toString(),
      },
      // A retried create (network blip inside the SDK) returns the same session instead of a second one.
      { idempotencyKey: `checkout:${req.purchaseId}` },
    );
    return { checkoutId: session.id, redirectUrl: session.url ?? null, clientSecret: null };
  }

  async parseWebhook(req: WebhookRequest): Promise<PaymentEvent[]> {
    const header = req.headers.get(STRIPE_SIGNATURE_HEADER);
    if (!header) throw badSignature(`missing ${STRIPE_SIGNATURE_HEADER} header`);
    let raw: unknown;
    try {
      raw = this.stripe.webhooks.constructEvent(
        req.rawBody,
        header,
        this.opts.webhookSecret,
        STRIPE_TOLERANCE_SECONDS,
        undefined,
        this.opts.now ? Math.floor(this.opts.now() / 1000) : undefined,
      );
    } catch (err) {
      if (err instanceof Stripe.errors.StripeSignatureVerificationError)
        throw badSignature(err.message.split('\n')[0]!.trim());
      throw malformed(err instanceof Error ? err.message.slice(0, 200) : 'invalid JSON');
    }
    try {
      return [await this.mapEvent(EventSchema.parse(raw))];
    } catch (err) {
      if (err instanceof z.ZodError) throw malformed(err.message.slice(0, 200));
      throw err;
    }
  }

  /**
   * The PaymentIntent a dispute is about. Stripe's dispute object documents payment_intent as nullable; then the
   * disputed charge names it (one API call; a failure answers 5xx so Stripe redelivers).
   */
  private async disputedPayment(d: z.infer<typeof DisputeSchema>): Promise<string | null> {
    const direct =
      refId(d.payment_intent) ?? (typeof d.charge === 'string' ? null : refId(d.charge.payment_intent));
    if (direct) return direct;
    const charge = await this.stripe.charges.retrieve(typeof d.charge === 'string' ? d.charge : d.charge.id);
    return refId(charge.payment_intent);
  }

  /**
   * Stripe's fee for a payment, from the charge's balance transaction. Best effort: the fee is bookkeeping,
   * so a failed lookup never holds up crediting (the fee is then not booked).
   */
  private async fee(paymentIntent: string | null): Promise<{ amountMinor: number; currency: string } | null> {
    if (!paymentIntent) return null;
    try {
      const pi = FeeSchema.safeParse(
        await this.stripe.paymentIntents.retrieve(paymentIntent, {
          expand: ['latest_charge.balance_transaction'],
        }),
      );
      if (!pi.success) return null;
      const bt = pi.data.latest_charge.balance_transaction;
      return { amountMinor: bt.fee, currency: bt.currency.toUpperCase() };
    } catch {
      return null;
    }
  }

  private async mapEvent(event: z.infer<typeof EventSchema>): Promise<PaymentEvent> {
    const eventId = event.id;
    const obj = event.data.object;
    const ignored = (reason: string): PaymentEvent => ({ type: 'ignored', eventId, reason });
    switch (event.type) {
      // We credit on the Checkout Session, not on payment_intent.succeeded: the session names the checkout we
      // started (its id, client_reference_id), its amount and whether the money is in. Crediting on both would
      // work only because credit_coin_purchase dedupes by PaymentIntent id; one source keeps each payment's
      // history to a single event. Delayed methods (SEPA, bank transfers) complete 'unpaid' and credit on
      // async_payment_succeeded instead.
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded': {
        const s = SessionSchema.parse(obj);
        if (s.payment_status !== 'paid' && s.payment_status !== 'no_payment_required')
          return ignored(`session ${s.payment_status}; waiting for the asynchronous payment`);
        if (s.amount_total === null || !s.currency)
          throw malformed('paid session without amount or currency');
        const fee = await this.fee(refId(s.payment_intent));
        return {
          type: 'payment_succeeded',
          eventId,
          // Refunds and disputes name the PaymentIntent; a session without one cannot be refunded, so its id will do.
          externalId: refId(s.payment_intent) ?? s.id,
          checkoutId: s.id,
          purchaseId: s.client_reference_id ?? s.metadata?.purchase_id,
          // Compared in SQL with what the checkout asked for: a mismatch is held, never credited.
          amountMinor: s.amount_total,
          currency: s.currency.toUpperCase(),
          ...(fee ? { fee } : {}),
        };
      }
      case 'checkout.session.async_payment_failed':
      case 'checkout.session.expired': {
        const s = SessionSchema.parse(obj);
        return {
          type: 'payment_failed',
          eventId,
          checkoutId: s.id,
          purchaseId: s.client_reference_id ?? s.metadata?.purchase_id,
          reason:
            event.type === 'checkout.session.expired' ? 'checkout expired' : 'asynchronous payment failed',
        };
      }
      case 'payment_intent.succeeded':
        return ignored('credited on checkout.session.completed');
      case 'payment_intent.payment_failed': {
        // The buyer may still pay with another card in the same session: the attempt is recorded and the purchase
        // stays pending (a failed purchase can never be credited).
        const pi = PaymentIntentSchema.parse(obj);
        const purchaseId = pi.metadata?.purchase_id;
        if (!purchaseId) return ignored('payment intent not started by our checkout');
        return {
          type: 'payment_failed',
          eventId,
          purchaseId,
          reason: pi.last_payment_error?.message ?? pi.last_payment_error?.code ?? 'payment failed',
          retryable: true,
        };
      }
      case 'charge.refunded': {
        const ch = ChargeSchema.parse(obj);
        const externalId = refId(ch.payment_intent);
        if (!externalId) return ignored('charge without a payment intent');
        // Partial refunds debit coins in proportion; amount_refunded is the running total, so a redelivered or
        // reordered event never debits twice.
        if (!ch.refunded) {
          if (!ch.amount_refunded) return ignored('charge.refunded without an amount refunded');
          return { type: 'refunded', eventId, externalId, amountMinor: ch.amount_refunded, cumulative: true };
        }
        return { type: 'refunded', eventId, externalId };
      }
      // Inquiries (warning_*) are held like chargebacks: the coins are blocked while the bank decides, and come
      // back when it closes without a chargeback (warning_closed) or the dispute is won.
      case 'charge.dispute.created': {
        const externalId = await this.disputedPayment(DisputeSchema.parse(obj));
        if (!externalId) return ignored('dispute on a charge without a payment intent');
        return { type: 'chargeback_opened', eventId, externalId };
      }
      case 'charge.dispute.closed': {
        const d = DisputeSchema.parse(obj);
        // Lost: the chargeback already took the coins back when the dispute opened.
        if (d.status !== 'won' && d.status !== 'warning_closed') return ignored(`dispute closed ${d.status}`);
        const externalId = await this.disputedPayment(d);
        if (!externalId) return ignored('dispute on a charge without a payment intent');
        return { type: 'chargeback_won', eventId, externalId };
      }
      default:
        return ignored(`unhandled event type ${event.type}`);
    }
  }
}
