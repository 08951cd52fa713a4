import type { PaymentProvider as ProviderName } from '@ipelya/contracts';
import { DomainError } from '../../errors.ts';

/** What starting a web checkout needs; store purchases (Apple, Google) start on the device instead. */
export type CheckoutRequest = {
  purchaseId: string;
  checkoutId: string;
  userId: string;
  email: string | null;
  packageCode: string;
  coins: number;
  amountMinor: number;
  currency: string;
  ip: string | null;
  returnUrl: string;
};

export type CheckoutSession = {
  /** The provider's id for this checkout (Stripe Checkout Session id, Iyzico token, local id). */
  checkoutId: string;
  redirectUrl: string | null;
  clientSecret: string | null;
};

/**
 * A provider's webhook, verified and normalised. `externalId` is the provider's payment id (the key a
 * purchase is credited under, once); `checkoutId`/`purchaseId` tie it back to a checkout we started.
 */
export type PaymentEvent =
  | {
      type: 'payment_succeeded';
      eventId: string;
      externalId: string;
      checkoutId?: string;
      purchaseId?: string;
      /** Store purchases: who bought (app account token / obfuscated account id) and which product. */
      userId?: string;
      productId?: string;
      /**
       * What the provider reports was paid, in ISO 4217 minor units, or null when its payload carries no
       * amount. SQL compares it with what the purchase expects before crediting (decision 013).
       */
      amountMinor: number | null;
      currency: string | null;
      /** The provider's fee for this payment, where it reports one (Stripe balance transaction, Iyzico commission). */
      fee?: { amountMinor: number; currency: string };
    }
  | {
      type: 'payment_failed';
      eventId: string;
      checkoutId?: string;
      purchaseId?: string;
      reason: string;
      /** One attempt failed but the buyer may still pay in the same session (Stripe): the purchase stays pending. */
      retryable?: boolean;
    }
  | {
      type: 'refunded';
      eventId: string;
      externalId: string;
      /**
       * Partial refunds: this refund's amount, or with `cumulative` the total refunded so far (Stripe's
       * amount_refunded). Absent: the whole payment was refunded.
       */
      amountMinor?: number;
      cumulative?: boolean;
    }
  | { type: 'chargeback_opened'; eventId: string; externalId: string }
  | { type: 'chargeback_won'; eventId: string; externalId: string }
  | { type: 'ignored'; eventId: string; reason: string };

export type WebhookRequest = {
  headers: Headers;
  /** Exact bytes as received: signatures are computed over them. */
  rawBody: string;
  query: Record<string, string>;
};

export interface PaymentProvider {
  readonly name: ProviderName;
  /** False when its keys are missing: the API answers "not configured" instead of crashing. */
  readonly configured: boolean;
  createCheckout?(req: CheckoutRequest): Promise<CheckoutSession>;
  /** Verifies the signature and parses the payload; throws WebhookError on a bad signature or body. */
  parseWebhook(req: WebhookRequest): Promise<PaymentEvent[]>;
}

/** A webhook the provider must not retry as-is: bad signature (401) or malformed body (400). */
export class WebhookError extends DomainError {
  constructor(kind: 'unauthenticated' | 'validation', code: string, message: string) {
    super(kind, code, message);
  }
}

export const badSignature = (detail: string) =>
  new WebhookError('unauthenticated', 'invalid_signature', `webhook signature rejected: ${detail}`);
export const malformed = (detail: string) =>
  new WebhookError('validation', 'malformed_webhook', `webhook body rejected: ${detail}`);
export const notConfigured = (name: string) =>
  new DomainError(
    'not_configured',
    'provider_not_configured',
    `payment provider ${name} is not configured on this server`,
  );
