import { defineDomain } from '../domain-module.ts';
import { noTraceRoutes } from './no-trace.routes.ts';
import { purgeExpiredMessages } from './no-trace.service.ts';

/** No-trace chats: timers, view-once opens, and the purge of what expired. */
export const noTraceModule = defineDomain({
  name: 'no-trace',
  api: (c) => [noTraceRoutes(c.db, c.storage)],
  // Expired and opened view-once messages, their media rows and bytes.
  jobs: (c) => [{ name: 'no-trace', intervalMs: 60_000, run: () => purgeExpiredMessages(c.db, c.storage) }],
  privacy: {
    writes: {
      'POST /api/messages/{id}/open': 'view-once open of a victim message',
      'PUT /api/conversations/{id}/timer': 'setting the timer of a hidden conversation',
    },
  },
});
