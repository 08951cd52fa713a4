import Stripe from 'stripe';
import {
  type PayoutProvider,
  type PayoutTransfer,
  PayoutTransferError,
  type TransferResult,
} from './payout-provider.ts';

export type StripeConnectOptions = {
  secretKey: string;
  /** Injected in contract tests; production uses the SDK's own fetch client. */
  fetch?: typeof fetch;
  timeoutMs?: number;
};

/**
 * Stripe Connect "separate charges and transfers": a payout is a Transfer from the platform balance to the
 * creator's connected account (POST /v1/transfers). The connected account then pays out to its bank on its
 * own Stripe schedule, so a created transfer is final for us.
 */
export class StripeConnectPayouts implements PayoutProvider {
  readonly name = 'stripe' as const;
  readonly configured = true;
  private readonly stripe: Stripe;

  constructor(opts: StripeConnectOptions) {
    this.stripe = new Stripe(opts.secretKey, {
      // Our own scheduler retries with backoff; an SDK retry would hide the ambiguity from it.
      maxNetworkRetries: 0,
      timeout: opts.timeoutMs ?? 20_000,
      ...(opts.fetch ? { httpClient: Stripe.createFetchHttpClient(opts.fetch) } : {}),
    });
  }

  async transfer(p: PayoutTransfer): Promise<TransferResult> {
    if (!p.destination) throw new PayoutTransferError('creator has no Stripe connected account', true);
    try {
      const transfer = await this.stripe.transfers.create(
        {
          amount: p.amountMinor,
          currency: p.currency.toLowerCase(),
          destination: p.destination,
          transfer_group: `payout_${p.payoutId}`,
          description: `İpelya creator payout (${p.amountCoins} coins)`,
          metadata: { payout_id: p.payoutId, creator_id: p.creatorId, coins: String(p.amountCoins) },
        },
        { idempotencyKey: p.idempotencyKey },
      );
      return { externalId: transfer.id, status: 'paid' };
    } catch (err) {
      throw classifyStripeError(err);
    }
  }
}

/** 4xx answers are refusals (retry with a new key); network errors, 409 (idempotency), 429 and 5xx are not. */
export function classifyStripeError(err: unknown): PayoutTransferError {
  const e = err as { type?: string; statusCode?: number; code?: string; message?: string };
  const status = e.statusCode ?? 0;
  const definitive =
    e.type !== 'StripeConnectionError' && status >= 400 && status < 500 && status !== 409 && status !== 429;
  const detail = [e.code, e.message].filter(Boolean).join(': ') || String(err);
  return new PayoutTransferError(`stripe: ${detail}`, definitive);
}
