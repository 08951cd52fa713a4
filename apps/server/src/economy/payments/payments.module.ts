import { defineDomain } from '../../domain-module.ts';
import { iyzicoRoutes } from './iyzico.routes.ts';
import { localCheckoutRoutes, purchaseRoutes, webhookRoutes } from './payments.routes.ts';
import { expirePendingPurchases } from './payments.service.ts';
import { reconciliationRoutes } from './reconciliation.routes.ts';
import { storePurchaseRoutes } from './store-purchases.routes.ts';

/** Buying coins: checkouts, store purchases, provider webhooks, reconciliation. */
export const paymentsModule = defineDomain({
  name: 'payments',
  api: (c) => [
    purchaseRoutes(c.db, c.payments, c.env),
    storePurchaseRoutes(c.db, c.payments, c.log),
    reconciliationRoutes(c.db),
  ],
  root: (c) => [
    { path: '/webhooks', app: webhookRoutes(c.db, c.payments, c.log) },
    { path: '/webhooks/iyzico', app: iyzicoRoutes(c.db, c.payments, c.log) },
    // The local provider's hosted checkout exists only in the local profile: in production, a 404.
    ...(c.env.profile === 'local'
      ? [{ path: '/checkout/local', app: localCheckoutRoutes(c.db, c.payments, c.log) }]
      : []),
  ],
  // Checkouts never paid: pending purchases past purchase_pending_expiry_minutes expire (never credited later).
  jobs: (c) => [
    { name: 'purchases-expire', intervalMs: 10 * 60_000, run: () => expirePendingPurchases(c.db) },
  ],
  privacy: {
    excluded: {
      'POST /api/purchases/checkout': 'the caller’s own coin purchase',
      'POST /api/purchases/apple': 'the caller’s own store purchase',
      'POST /api/purchases/google': 'the caller’s own store purchase',
      'POST /api/admin/reconciliation/{id}/resolve': 'admins only (403 for everyone else)',
    },
  },
});
