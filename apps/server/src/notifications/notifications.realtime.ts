import { z } from 'zod';
import { realtimeTopic } from '../realtime/topics.ts';
import { readNotification } from './notifications.service.ts';

/** A new notification: re-read under the recipient's RLS for each of its sockets. */
export const notificationTopics = [
  realtimeTopic({
    topic: 'notification',
    payload: z.object({ recipient_id: z.guid(), id: z.guid() }),
    handle: async (ctx, e) => {
      for (const client of ctx.live(e.recipient_id)) {
        const notification = await ctx.db.asUser(client.claims, (tx) => readNotification(tx, e.id));
        if (notification) ctx.send(client, { type: 'notification', notification });
      }
    },
  }),
];
