import { z } from 'zod';

export const ConversationStateSchema = z.enum(['active', 'request', 'declined', 'left']);

export const MessageSchema = z.object({
  id: z.uuid(),
  conversation_id: z.uuid(),
  sender_id: z.uuid(),
  kind: z.enum(['text', 'image', 'audio', 'video']),
  /** Empty for a paid message the reader has not unlocked. */
  body: z.string(),
  media_id: z.uuid().nullable(),
  price_coins: z.number().int().nullable(),
  locked: z.boolean(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  /** View-once media: the recipient opens it once (POST /api/messages/{id}/open). */
  view_once: z.boolean().optional(),
  /** Keyset cursor of this message, for `?after=` catch-up after a reconnect. */
  cursor: z.string(),
});
export type Message = z.infer<typeof MessageSchema>;

/** Self-destruct timer of a conversation; `30s_after_read` starts when the recipient has read the message. */
export const ConversationTimerSchema = z.enum(['off', '30s_after_read', '5m', '1h', '24h', '7d']);
export type ConversationTimer = z.infer<typeof ConversationTimerSchema>;

export const ConversationSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['real', 'shadow']),
  /** The caller's own membership state. */
  state: ConversationStateSchema,
  /** Null when the other persona is hidden from the caller (blocked, deleted). */
  other: z.object({ id: z.uuid(), handle: z.string(), display_name: z.string() }).nullable(),
  last_message: MessageSchema.nullable(),
  last_read_at: z.string().nullable(),
  /** When the other member last read (read receipts). */
  other_last_read_at: z.string().nullable(),
  unread_count: z.number().int(),
  timer: ConversationTimerSchema.optional(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const ConversationListSchema = z.object({
  conversations: z.array(ConversationSchema),
  requests: z.array(ConversationSchema),
});

export const SetTimerSchema = z.object({ timer: ConversationTimerSchema }).strict();
export const TimerStateSchema = z.object({ conversation_id: z.uuid(), timer: ConversationTimerSchema });
export const OpenedMediaSchema = z.object({ url: z.string(), expires_at: z.string() });

export const StartConversationSchema = z.object({ profile_id: z.uuid() }).strict();
export const SendMessageSchema = z
  .object({
    body: z.string().max(4000).optional(),
    media_id: z.uuid().optional(),
    view_once: z.boolean().optional(),
    /** A creator's paid message: locked for the recipient until they pay this price (POST /api/messages/{id}/unlock). */
    price_coins: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict()
  .refine((v) => (v.body?.length ?? 0) > 0 || v.media_id, { message: 'a message needs a body or media_id' })
  .refine((v) => !v.view_once || v.media_id, { message: 'a view-once message needs media_id' })
  .refine((v) => !(v.view_once && v.price_coins), {
    message: 'a message is either view-once or paid, not both',
    path: ['price_coins'],
  });
export type SendMessageInput = z.input<typeof SendMessageSchema>;

export const MessagesQuerySchema = z.object({
  /** Messages after this cursor, oldest first (catch-up). */
  after: z.string().max(200).optional(),
  /** Messages before this cursor, newest first (scrolling back). Without either: the newest page. */
  before: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const ReadStateSchema = z.object({
  conversation_id: z.uuid(),
  profile_id: z.uuid(),
  last_read_at: z.string().nullable(),
});

/** Conversation events the realtime WebSocket sends. */
export const MessagingRealtimeMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), message: MessageSchema }),
  z.object({ type: z.literal('read'), read: ReadStateSchema }),
  z.object({ type: z.literal('typing'), conversation_id: z.uuid(), profile_id: z.uuid() }),
  /** Messages that are gone (expired, opened view-once, deleted): drop them from the screen and caches. */
  z.object({ type: z.literal('deleted'), conversation_id: z.uuid(), message_ids: z.array(z.uuid()) }),
]);
export type MessagingRealtimeMessage = z.infer<typeof MessagingRealtimeMessageSchema>;

/**
 * The first frame on the realtime WebSocket: the access token travels in a frame, never in the URL (URLs end up
 * in proxy and access logs). The server closes a socket that has not authenticated within a few seconds.
 */
export const RealtimeAuthMessageSchema = z.object({
  type: z.literal('auth'),
  access_token: z.string().min(1),
});
export type RealtimeAuthMessage = z.infer<typeof RealtimeAuthMessageSchema>;

/** Messages a client may send over the realtime WebSocket. */
export const RealtimeClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('typing'), conversation_id: z.uuid() }),
]);
export type RealtimeClientMessage = z.infer<typeof RealtimeClientMessageSchema>;
