import { z } from 'zod';
import {
  type RealtimeClient,
  type RealtimeDispatch,
  type RealtimeOutMessage,
  realtimeInbound,
  realtimeTopic,
} from '../realtime/topics.ts';
import { announceTyping, conversationFanout, type FanoutRecipient } from './messaging.service.ts';

const id = z.guid();

/**
 * Delivers a conversation event to the members' sockets with one database read for all of them
 * (conversationFanout: what each member's own RLS shows them, evaluated in one call; the bus only carries ids).
 * Each member's sockets get what that member may see; `skip` leaves one member out (typing is for the others).
 */
async function toMembers(
  ctx: RealtimeDispatch,
  conversationId: string,
  about: { messageId?: string; readerId?: string },
  render: (r: FanoutRecipient) => Promise<RealtimeOutMessage[]> | RealtimeOutMessage[],
  skip?: string,
): Promise<void> {
  if (!ctx.connected) return; // nobody connected to this process
  const recipients = await conversationFanout(ctx.db, conversationId, about, ctx.sealer);
  for (const r of recipients) {
    if (r.personaId === skip) continue;
    const clients = ctx.live(r.personaId);
    if (!clients.length) continue;
    for (const out of await render(r)) for (const client of clients) ctx.send(client, out);
  }
}

/** The messaging topics; message and read events also reach the actor's other devices. */
export const messagingTopics = [
  // A message moves its sender's read marker too (broadcast_message): one fan-out sends both frames.
  realtimeTopic({
    topic: 'message',
    payload: z.object({ conversation_id: id, id, reader_id: id.optional() }),
    handle: (ctx, e) =>
      toMembers(ctx, e.conversation_id, { messageId: e.id, readerId: e.reader_id }, async (r) => {
        const message = await r.message();
        const out: RealtimeOutMessage[] = message ? [{ type: 'message', message }] : [];
        if (r.read) out.push({ type: 'read', read: r.read });
        return out;
      }),
  }),
  realtimeTopic({
    topic: 'read',
    payload: z.object({ conversation_id: id, profile_id: id }),
    handle: (ctx, e) =>
      toMembers(ctx, e.conversation_id, { readerId: e.profile_id }, (r) =>
        r.read ? [{ type: 'read', read: r.read }] : [],
      ),
  }),
  realtimeTopic({
    topic: 'typing',
    payload: z.object({ conversation_id: id, profile_id: id }),
    handle: (ctx, e) =>
      toMembers(
        ctx,
        e.conversation_id,
        {},
        () => [{ type: 'typing', conversation_id: e.conversation_id, profile_id: e.profile_id }],
        e.profile_id,
      ),
  }),
  realtimeTopic({
    topic: 'messages_deleted',
    payload: z.object({ conversation_id: id, ids: z.array(id) }),
    handle: (ctx, e) =>
      toMembers(ctx, e.conversation_id, {}, () => [
        { type: 'deleted', conversation_id: e.conversation_id, message_ids: e.ids },
      ]),
  }),
  // A whole conversation went (account deletion): the members were read before its rows were deleted, and
  // nothing is left to re-read under RLS, so the ids go to the sockets of the members the database named.
  realtimeTopic({
    topic: 'conversation_deleted',
    payload: z.object({ conversation_id: id, recipients: z.array(id), ids: z.array(id) }),
    handle: (ctx, e) => {
      for (const personaId of e.recipients) {
        for (const client of ctx.live(personaId)) {
          ctx.send(client, { type: 'deleted', conversation_id: e.conversation_id, message_ids: e.ids });
        }
      }
    },
  }),
];

/** At most one typing event per socket and conversation in this window; extra ones are dropped. */
export const TYPING_INTERVAL_MS = 2000;

/** Per socket: when it last announced typing in each conversation (gone with the socket). */
const typingAt = new WeakMap<RealtimeClient, Map<string, number>>();

/** Typing goes client → database NOTIFY (membership and blocks checked in SQL) → the other members. */
export const messagingInbound = [
  realtimeInbound({
    type: 'typing',
    handle: (ctx, client, msg) => {
      const now = Date.now();
      const seen = typingAt.get(client) ?? new Map<string, number>();
      typingAt.set(client, seen);
      if (now - (seen.get(msg.conversation_id) ?? 0) < TYPING_INTERVAL_MS) return;
      seen.set(msg.conversation_id, now);
      if (seen.size > 100) seen.clear(); // bound memory per socket
      void announceTyping(ctx.db, client.claims, msg.conversation_id).catch((err) =>
        ctx.log.warn({ err }, 'typing announce failed'),
      );
    },
  }),
];
