import type { PayoutProviderName } from '@ipelya/contracts';

/** What a provider needs to send one payout. */
export type PayoutTransfer = {
  payoutId: string;
  creatorId: string;
  amountCoins: number;
  /** Minor units of `currency`. */
  amountMinor: number;
  currency: string;
  /** The creator's account at the provider (Stripe acct_…, Iyzico IBAN / member id); null for local. */
  destination: string | null;
  holderName: string | null;
  /**
   * Stable per attempt sequence: a retry after an ambiguous failure (timeout, 5xx) reuses it, so the provider
   * answers with the first transfer instead of making a second one.
   */
  idempotencyKey: string;
};

export type TransferResult = { externalId: string; status: 'paid' | 'processing' };
export type TransferCheck = { status: 'paid' | 'processing' | 'failed'; error?: string };

export interface PayoutProvider {
  readonly name: PayoutProviderName;
  /** False when its keys are missing; the registry then routes its payouts to the local provider. */
  readonly configured: boolean;
  transfer(payout: PayoutTransfer): Promise<TransferResult>;
  /** For providers that settle later ('processing'): ask how the transfer ended. */
  check?(payout: PayoutTransfer, externalId: string): Promise<TransferCheck>;
}

/**
 * A transfer that did not happen. `definitive` = the provider answered and refused (retry with a new key);
 * otherwise we cannot know whether it happened (network, 5xx, rate limit) and the retry reuses the key.
 */
export class PayoutTransferError extends Error {
  constructor(
    message: string,
    readonly definitive: boolean,
  ) {
    super(message);
    this.name = 'PayoutTransferError';
  }
}
