import type { Database } from '@ipelya/db';
import { type PrivacyVacuumMode, runPrivacyVacuum } from '../account/privacy-vacuum.service.ts';
import { purgeShadowCaches } from '../account/shadow-cache.service.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { publishDuePosts } from '../content/posts.service.ts';
import { releaseEarnings, renewSubscriptions } from '../economy/economy.service.ts';
import { expirePendingPurchases } from '../economy/payments/payments.service.ts';
import type { PayoutProviders } from '../economy/payouts/payout-providers.ts';
import { processPayouts, schedulePayouts } from '../economy/payouts/payouts.service.ts';
import { purgeExpiredMessages } from '../messaging/no-trace.service.ts';
import { purgeStaleUploads } from '../storage/storage.service.ts';
import type { Storage } from '../storage/storage.ts';
import type { Job } from './scheduler.ts';

/** Every background job of the server. Each is also an edge function in supabase/functions/<name>. */
export function serverJobs(
  db: Database,
  auth: AuthService | null,
  storage: Storage,
  payoutProviders: PayoutProviders,
  opts: { privacyVacuum?: PrivacyVacuumMode } = {},
): Job[] {
  const jobs: Job[] = [
    { name: 'publish-scheduled', intervalMs: 15_000, run: () => publishDuePosts(db) },
    {
      name: 'subscription-renewals',
      intervalMs: 5 * 60_000,
      run: async () => {
        const r = await renewSubscriptions(db);
        return r.renewed + r.past_due + r.expired;
      },
    },
    { name: 'earnings-release', intervalMs: 60 * 60_000, run: () => releaseEarnings(db) },
    // Checkouts never paid: pending purchases past purchase_pending_expiry_minutes expire (never credited later).
    { name: 'purchases-expire', intervalMs: 10 * 60_000, run: () => expirePendingPurchases(db) },
    // Weekly payouts: hourly runs are harmless (one payout per creator and week), and catch up after downtime.
    { name: 'payouts-schedule', intervalMs: 60 * 60_000, run: () => schedulePayouts(db) },
    {
      name: 'payouts-process',
      intervalMs: 5 * 60_000,
      run: async () => {
        const r = await processPayouts(db, payoutProviders);
        return r.paid + r.processing + r.failed;
      },
    },
    // Uploads never completed within a day: the row and any bytes go.
    { name: 'storage-cleanup', intervalMs: 60 * 60_000, run: () => purgeStaleUploads(db, storage) },
    // No-trace: expired and opened view-once messages, their media rows and bytes.
    { name: 'no-trace', intervalMs: 60_000, run: () => purgeExpiredMessages(db, storage) },
    // Switched-off and deleted personas: vectors, avatars (rows and bytes), notifications they caused; and
    // expired network fingerprints of the social firewall.
    { name: 'shadow-cache-cleaner', intervalMs: 10 * 60_000, run: () => purgeShadowCaches(db, storage) },
    // After account deletions: VACUUM the tables they touched (decision 015, docs/privacy-residuals.md).
    {
      name: 'privacy-vacuum',
      intervalMs: 10 * 60_000,
      run: () => runPrivacyVacuum(db, opts.privacyVacuum ?? 'plain'),
    },
  ];
  if (auth) jobs.push({ name: 'auth-cleanup', intervalMs: 60 * 60_000, run: () => auth.purgeExpired() });
  return jobs;
}
