import { defineDomain } from '../domain-module.ts';
import { messagingInbound, messagingTopics } from './messaging.realtime.ts';
import { messagingRoutes } from './messaging.routes.ts';

export const messagingModule = defineDomain({
  name: 'messaging',
  api: (c) => [messagingRoutes(c.db, c.storage.sealer)],
  realtime: messagingTopics,
  realtimeInbound: messagingInbound,
  // Conversations of both personas (1:1 for both sides), their messages and the media they point at.
  accountDeletion: [
    { sql: 'select path from public.delete_account_messaging() as path', after: ['economy'] },
  ],
  privacy: {
    writes: {
      'POST /api/conversations': 'starting a conversation with a hidden persona',
      'POST /api/conversations/{id}/messages': 'sending into a hidden conversation',
      'POST /api/conversations/{id}/read':
        'marking a hidden conversation read (starts the other side’s timers)',
      'POST /api/conversations/{id}/{action}': 'accept/decline/block on a hidden conversation',
    },
  },
});
