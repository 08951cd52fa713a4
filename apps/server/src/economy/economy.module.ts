import { defineDomain } from '../domain-module.ts';
import { coinPackageAdminRoutes } from './coin-packages.routes.ts';
import { economyRoutes } from './economy.routes.ts';
import { releaseEarnings, renewSubscriptions } from './economy.service.ts';
import { fraudRoutes } from './fraud/fraud.routes.ts';
import { payoutRoutes } from './payouts/payouts.routes.ts';
import { processPayouts, schedulePayouts } from './payouts/payouts.service.ts';

const adminsOnly = 'admins only (403 for everyone else)';

/** The coin economy: wallet and ledger, unlocks, tips, tiers and subscriptions, fraud review, payouts. */
export const economyModule = defineDomain({
  name: 'economy',
  api: (c) => [
    economyRoutes(c.db),
    coinPackageAdminRoutes(c.db),
    fraudRoutes(c.db),
    payoutRoutes(c.db, c.payoutProviders),
  ],
  jobs: (c) => [
    {
      name: 'subscription-renewals',
      intervalMs: 5 * 60_000,
      run: async () => {
        const r = await renewSubscriptions(c.db);
        return r.renewed + r.past_due + r.expired;
      },
    },
    { name: 'earnings-release', intervalMs: 60 * 60_000, run: () => releaseEarnings(c.db) },
    // Weekly payouts: hourly runs are harmless (one payout per creator and week), and catch up after downtime.
    { name: 'payouts-schedule', intervalMs: 60 * 60_000, run: () => schedulePayouts(c.db) },
    {
      name: 'payouts-process',
      intervalMs: 5 * 60_000,
      run: async () => {
        const r = await processPayouts(c.db, c.payoutProviders);
        return r.paid + r.processing + r.failed;
      },
    },
  ],
  sqlErrors: [
    // Raised by the ledger: not enough coins.
    { sqlstate: 'IP402', kind: 'payment_required', code: 'insufficient_funds', message: 'not enough coins' },
    // The wallet went negative after a refund or chargeback.
    { sqlstate: 'IP423', kind: 'payment_required', code: 'wallet_in_debt', message: 'wallet in debt' },
    {
      sqlstate: 'IP409',
      kind: 'conflict',
      code: 'idempotency_key_reused',
      message: 'Idempotency-Key reused',
    },
  ],
  // First: refuses while money is still moving (IPD01–IPD04); forfeits coins at rest, closes ledger accounts.
  accountDeletion: [{ sql: 'select path from public.delete_account_economy() as path' }],
  privacy: {
    writes: {
      'POST /api/messages/{id}/unlock': 'paid-message unlock of a victim message',
      'POST /api/tips': 'tipping a hidden persona',
      'POST /api/posts/{id}/unlock': 'unlocking a hidden persona’s post',
      'POST /api/subscriptions': 'subscribing to a hidden persona’s tier',
    },
    excluded: {
      'POST /api/tiers': 'the caller’s own tiers',
      'PUT /api/payout-account': 'the caller’s own payout account',
      'DELETE /api/subscriptions/{id}': 'the caller’s own subscriptions',
      'POST /api/admin/fraud/{id}/release': adminsOnly,
      'POST /api/admin/fraud/{id}/block': adminsOnly,
      'POST /api/admin/payouts/{id}/approve': adminsOnly,
      'POST /api/admin/coin-packages': adminsOnly,
      'PATCH /api/admin/coin-packages/{id}': adminsOnly,
      'POST /api/admin/coin-packages/{id}/archive': adminsOnly,
    },
    getOwnOnly: { 'GET /api/admin/fraud': 'admins only', 'GET /api/admin/payouts': 'admins only' },
  },
});
