import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Env } from '../../env.ts';
import { appleProviderFromEnv } from './apple.provider.ts';
import { googleProviderFromEnv } from './google.provider.ts';
import { IyzicoPaymentProvider } from './iyzico.provider.ts';
import { LocalPaymentProvider } from './local.provider.ts';
import type { PaymentProviders } from './payments.service.ts';
import { notConfigured, type PaymentProvider } from './provider.ts';
import { RevenueCatPaymentProvider } from './revenuecat.provider.ts';
import { StripePaymentProvider } from './stripe.provider.ts';

/** The secret the local provider signs its webhooks with, derived so it never equals the token secret. */
export const localPaymentSecret = (env: Env) =>
  createHmac('sha256', env.JWT_SECRET).update('ipelya-local-payments').digest('hex');

/**
 * Every payment provider this server knows. The local provider exists only in the local profile (embedded
 * default); in production it is not registered at all, so it cannot be chosen (400) or reached (404). A real
 * provider whose keys are missing, or every one when payments are disabled, stays registered as not
 * configured, so its endpoints answer 503.
 */
export function paymentProvidersFromEnv(env: Env, log: Logger): PaymentProviders {
  const providers: PaymentProviders = new Map();
  if (env.profile === 'local')
    providers.set('local', new LocalPaymentProvider(localPaymentSecret(env), env.PUBLIC_URL));
  if (env.disabledFeatures.has('payments')) {
    for (const name of ['apple', 'google', 'stripe', 'revenuecat', 'iyzico'] as const)
      providers.set(name, unconfiguredProvider(name));
    log.info('payments disabled (DISABLED_FEATURES): purchases answer 503 provider_not_configured');
    return providers;
  }
  providers.set('apple', appleProviderFromEnv(env, log));
  providers.set('google', googleProviderFromEnv(env, log));
  providers.set(
    'stripe',
    env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET
      ? new StripePaymentProvider({
          secretKey: env.STRIPE_SECRET_KEY,
          webhookSecret: env.STRIPE_WEBHOOK_SECRET,
          returnUrl: env.STRIPE_CHECKOUT_RETURN_URL,
        })
      : unconfiguredProvider('stripe'),
  );
  providers.set(
    'revenuecat',
    env.REVENUECAT_WEBHOOK_AUTH
      ? new RevenueCatPaymentProvider({
          authorization: env.REVENUECAT_WEBHOOK_AUTH,
          allowSandbox: env.REVENUECAT_ALLOW_SANDBOX ?? env.profile !== 'production',
        })
      : unconfiguredProvider('revenuecat'),
  );
  providers.set(
    'iyzico',
    env.IYZICO_API_KEY && env.IYZICO_SECRET_KEY
      ? new IyzicoPaymentProvider({
          apiKey: env.IYZICO_API_KEY,
          secretKey: env.IYZICO_SECRET_KEY,
          baseUrl: env.IYZICO_BASE_URL,
          publicUrl: env.PUBLIC_URL,
        })
      : unconfiguredProvider('iyzico'),
  );
  if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET))
    log.warn('stripe needs both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET; it stays not configured');
  log.debug(
    { providers: [...providers].map(([name, p]) => `${name}${p.configured ? '' : ' (not configured)'}`) },
    'payment providers',
  );
  return providers;
}

/** A provider whose keys are missing: registered so its endpoints answer 503 provider_not_configured. */
export const unconfiguredProvider = (name: PaymentProvider['name']): PaymentProvider => ({
  name,
  configured: false,
  parseWebhook: () => Promise.reject(notConfigured(name)),
});
