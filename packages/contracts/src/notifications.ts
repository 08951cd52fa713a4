import { z } from 'zod';

export const NotificationKindSchema = z.enum(['new_follower', 'new_post', 'screenshot']);
export const NotificationSchema = z.object({
  id: z.uuid(),
  kind: NotificationKindSchema,
  actor: z.object({ id: z.uuid(), handle: z.string(), display_name: z.string() }).nullable(),
  post_id: z.uuid().nullable(),
  /** The conversation a screenshot was taken in (kind screenshot, in a chat). */
  conversation_id: z.uuid().nullable(),
  created_at: z.string(),
  read_at: z.string().nullable(),
});
export type Notification = z.infer<typeof NotificationSchema>;

/** Messages the realtime WebSocket sends to a client. */
export const RealtimeServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), persona_id: z.uuid() }),
  z.object({ type: z.literal('notification'), notification: NotificationSchema }),
  z.object({ type: z.literal('pong') }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type RealtimeServerMessage = z.infer<typeof RealtimeServerMessageSchema>;
