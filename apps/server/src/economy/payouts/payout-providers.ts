import type { PayoutProviderName } from '@ipelya/contracts';
import type { Logger } from 'pino';
import type { Env } from '../../env.ts';
import { IYZICO_SANDBOX_URL, IyzicoPayouts } from './iyzico.provider.ts';
import { LocalPayouts } from './local.provider.ts';
import { type PayoutProvider, PayoutTransferError } from './payout-provider.ts';
import { StripeConnectPayouts } from './stripe-connect.provider.ts';

/**
 * The payout providers by name. A provider without keys is served by the local one (logged once at start);
 * in production that would mark money paid that never moved, so there it fails (and retries) instead.
 */
export class PayoutProviders {
  readonly local = new LocalPayouts();
  private readonly byName = new Map<PayoutProviderName, PayoutProvider>();

  constructor(
    providers: PayoutProvider[] = [],
    private readonly fallbackToLocal = true,
  ) {
    for (const p of providers) if (p.configured) this.byName.set(p.name, p);
  }

  get(name: string): PayoutProvider {
    const found = this.byName.get(name as PayoutProviderName);
    if (found || name === 'local') return found ?? this.local;
    return this.fallbackToLocal ? this.local : new NotConfiguredPayouts(name as PayoutProviderName);
  }

  names(): string[] {
    return ['local', ...this.byName.keys()];
  }
}

export function payoutProvidersFromEnv(env: Env, log?: Pick<Logger, 'info' | 'warn'>): PayoutProviders {
  const providers: PayoutProvider[] = [];
  if (env.STRIPE_CONNECT_SECRET_KEY) {
    providers.push(new StripeConnectPayouts({ secretKey: env.STRIPE_CONNECT_SECRET_KEY }));
  } else {
    log?.info('payouts: STRIPE_CONNECT_SECRET_KEY not set; Stripe payouts go through the local provider');
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
    log?.info(
      'payouts: IYZICO_PAYOUT_API_KEY/SECRET_KEY not set; Iyzico payouts go through the local provider',
    );
  }
  return new PayoutProviders(providers, env.NODE_ENV !== 'production');
}

/** Production without keys: never pretend; the attempt fails without changing the idempotency key. */
class NotConfiguredPayouts implements PayoutProvider {
  readonly configured = false;
  constructor(readonly name: PayoutProviderName) {}
  async transfer(): Promise<never> {
    throw new PayoutTransferError(
      `provider_not_configured: ${this.name} payouts have no keys on this server`,
      false,
    );
  }
}
