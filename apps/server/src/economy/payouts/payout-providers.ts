import type { PayoutProviderName } from '@ipelya/contracts';
import type { Logger } from 'pino';
import type { Env } from '../../env.ts';
import { IYZICO_SANDBOX_URL, IyzicoPayouts } from './iyzico.provider.ts';
import { LocalPayouts } from './local.provider.ts';
import { type PayoutProvider, PayoutTransferError } from './payout-provider.ts';
import { StripeConnectPayouts } from './stripe-connect.provider.ts';

/**
 * The payout providers by name. In the local profile a provider without keys is served by the local one
 * (logged once at start). In production the local provider does not exist: a payout for a provider without
 * keys, or for a creator with no payout account (provider "local"), fails and retries instead of being
 * marked paid with no money moved, and a creator can only choose a configured provider.
 */
export class PayoutProviders {
  readonly local: LocalPayouts | null;
  private readonly byName = new Map<PayoutProviderName, PayoutProvider>();

  constructor(providers: PayoutProvider[] = [], fallbackToLocal = true) {
    this.local = fallbackToLocal ? new LocalPayouts() : null;
    for (const p of providers) if (p.configured) this.byName.set(p.name, p);
  }

  get(name: string): PayoutProvider {
    const found = this.byName.get(name as PayoutProviderName);
    if (found) return found;
    return this.local ?? new NotConfiguredPayouts(name as PayoutProviderName);
  }

  /** Whether a creator may choose this provider for their payout account. */
  accepts(name: string): boolean {
    return this.local !== null || this.byName.has(name as PayoutProviderName);
  }

  names(): string[] {
    return [...(this.local ? ['local'] : []), ...this.byName.keys()];
  }
}

export function payoutProvidersFromEnv(env: Env, log?: Pick<Logger, 'info' | 'warn'>): PayoutProviders {
  const local = env.profile === 'local';
  const fallback = local ? 'go through the local provider' : 'are not configured';
  const providers: PayoutProvider[] = [];
  if (env.disabledFeatures.has('payouts')) {
    log?.info('payouts disabled (DISABLED_FEATURES): payouts wait and retry, then return the coins');
    return new PayoutProviders([], local);
  }
  if (env.STRIPE_CONNECT_SECRET_KEY) {
    providers.push(new StripeConnectPayouts({ secretKey: env.STRIPE_CONNECT_SECRET_KEY }));
  } else {
    log?.info(`payouts: STRIPE_CONNECT_SECRET_KEY not set; Stripe payouts ${fallback}`);
  }
  if (env.IYZICO_PAYOUT_API_KEY && env.IYZICO_PAYOUT_SECRET_KEY) {
    providers.push(
      new IyzicoPayouts({
        apiKey: env.IYZICO_PAYOUT_API_KEY,
        secretKey: env.IYZICO_PAYOUT_SECRET_KEY,
        baseUrl: env.IYZICO_PAYOUT_BASE_URL ?? IYZICO_SANDBOX_URL,
      }),
    );
  } else {
    log?.info(`payouts: IYZICO_PAYOUT_API_KEY/SECRET_KEY not set; Iyzico payouts ${fallback}`);
  }
  return new PayoutProviders(providers, local);
}

/** Production without keys: never pretend; the attempt fails without changing the idempotency key. */
class NotConfiguredPayouts implements PayoutProvider {
  readonly configured = false;
  constructor(readonly name: PayoutProviderName) {}
  async transfer(): Promise<never> {
    throw new PayoutTransferError(
      this.name === 'local'
        ? 'payout_account_missing: the creator has no Stripe or Iyzico payout account yet'
        : `provider_not_configured: ${this.name} payouts have no keys on this server`,
      false,
    );
  }
}
