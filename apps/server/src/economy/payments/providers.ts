import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Env } from '../../env.ts';
import { LocalPaymentProvider } from './local.provider.ts';
import type { PaymentProviders } from './payments.service.ts';

/** The secret the local provider signs its webhooks with, derived so it never equals the token secret. */
export const localPaymentSecret = (env: Env) =>
  createHmac('sha256', env.JWT_SECRET).update('ipelya-local-payments').digest('hex');

/**
 * Every payment provider this server knows. The local provider is always there (embedded default); a real
 * provider whose keys are missing stays registered as not configured, so its endpoints answer 503.
 */
export function paymentProvidersFromEnv(env: Env, log: Logger): PaymentProviders {
  const providers: PaymentProviders = new Map();
  providers.set('local', new LocalPaymentProvider(localPaymentSecret(env), env.PUBLIC_URL));
  log.debug({ providers: [...providers.keys()] }, 'payment providers');
  return providers;
}
