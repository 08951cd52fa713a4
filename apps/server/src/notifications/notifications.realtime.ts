import { z } from 'zod';
import { realtimeTopic } from '../realtime/topics.ts';
import { readNotification } from './notifications.service.ts';

/**
 * A new notification: read once under the recipient's RLS and sent to all its sockets. Every socket of a
 * persona carries that persona's claims (same persona, same account), so one read shows what each would see.
 */
export const notificationTopics = [
  realtimeTopic({
    topic: 'notification',
    payload: z.object({ recipient_id: z.guid(), id: z.guid() }),
    handle: async (ctx, e) => {
      const clients = ctx.live(e.recipient_id);
      if (!clients.length) return;
      const notification = await ctx.db.asUser(clients[0]!.claims, (tx) => readNotification(tx, e.id));
      if (notification)
        for (const client of clients) ctx.send(client, { type: 'notification', notification });
    },
  }),
];
