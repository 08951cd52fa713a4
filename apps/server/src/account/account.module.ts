import { z } from 'zod';
import { defineDomain } from '../domain-module.ts';
import { realtimeTopic } from '../realtime/topics.ts';
import { accountRoutes } from './account.routes.ts';
import { runPrivacyVacuum } from './privacy-vacuum.service.ts';
import { purgeShadowCaches } from './shadow-cache.service.ts';

/** Why the account deletion (its economy step) refused: money that is still moving (nothing was deleted). */
const refusal = (sqlstate: string, code: string) =>
  ({ sqlstate, kind: 'conflict', code, message: code }) as const;

export const accountModule = defineDomain({
  name: 'account',
  api: (c) => [accountRoutes(c.db, c.auth, c.storage, c.outbox, c.accountDeletion, c.sessions)],
  jobs: (c) => [
    // Switched-off and deleted personas: every domain's shadow-cleanup step (vectors, avatars, notifications
    // they caused, expired network fingerprints of the social firewall …).
    {
      name: 'shadow-cache-cleaner',
      intervalMs: 10 * 60_000,
      run: () => purgeShadowCaches(c.db, c.storage, c.shadowCleanup),
    },
    // After account deletions: VACUUM the tables they touched (decision 015, docs/privacy-residuals.md).
    { name: 'privacy-vacuum', intervalMs: 10 * 60_000, run: () => runPrivacyVacuum(c.db, c.privacyVacuum) },
  ],
  realtime: [
    // A persona was switched off or deleted: its sockets close, its typing state goes with them.
    realtimeTopic({
      topic: 'persona_closed',
      payload: z.object({ profile_id: z.guid() }),
      handle: (ctx, e) => ctx.closePersona(e.profile_id, 4003, 'persona closed'),
    }),
  ],
  sqlErrors: [
    refusal('IPD01', 'payout_in_flight'),
    refusal('IPD02', 'earnings_pending'),
    refusal('IPD03', 'earnings_unpaid'),
    refusal('IPD04', 'purchase_in_flight'),
  ],
  // The deletion flow itself (begin/finish, account.service.ts) is this domain's; each domain declares its own
  // steps in its module and accountDeletionSteps() (src/domains.ts) orders them.
  privacy: {
    excluded: {
      'POST /api/account/delete': 'about the caller only (account-deletion-events.test.ts)',
      'POST /api/personas/shadow/off': 'about the caller only',
      'POST /api/personas/shadow/on': 'about the caller only',
    },
  },
});
