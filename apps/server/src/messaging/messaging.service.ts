import type { Conversation, Message } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { DomainError, inputErrorOn, notFound } from '../errors.ts';
import { Sealer } from '../keys/sealer.ts';
import { cursorAt, decodeCursor, encodeCursor, iso } from '../shared/pagination.ts';

type MessageRow = {
  id: string;
  conversation_id: string;
  sender_id: string;
  kind: Message['kind'];
  body: string;
  media_id: string | null;
  price_coins: string | number | null;
  locked: boolean;
  created_at: Date;
  cursor_at: string;
  expires_at: Date | null;
  view_once: boolean;
  body_sealed: Uint8Array | null;
  key_id: string | null;
};

/** Binds a sealed body to its conversation: a box copied into another conversation does not open. */
const bodyAad = (conversationId: string) => `ipelya:message-body:v1:${conversationId}`;

// Paid messages stay sealed for the recipient until unlocked (economy's unlock_message); the sender sees theirs.
const MESSAGE_SELECT = `
  select m.id, m.conversation_id, m.sender_id, m.kind, m.created_at, m.expires_at, m.price_coins,
         ${cursorAt('m.created_at')} as cursor_at,
         (m.price_coins is not null and m.sender_id <> public.current_persona_id()
          and not exists (select 1 from public.message_unlocks u where u.message_id = m.id and u.buyer_id = public.current_persona_id())) as locked,
         m.body, m.media_id, m.view_once, m.body_sealed, m.key_id
  from public.messages m`;

/** Sealed bodies are decrypted here, for the reader RLS just let see the row, and only when not locked. */
async function toMessage(r: MessageRow, sealer?: Sealer): Promise<Message> {
  let body = r.body;
  if (!r.locked && r.body_sealed && r.key_id) {
    // A destroyed key (the message expired meanwhile) reads as an empty body, never as an error.
    body = (await sealer?.openText(r.key_id, Buffer.from(r.body_sealed), bodyAad(r.conversation_id))) ?? '';
  }
  return {
    id: r.id,
    conversation_id: r.conversation_id,
    sender_id: r.sender_id,
    kind: r.kind,
    body: r.locked ? '' : body,
    media_id: r.locked ? null : r.media_id,
    price_coins: r.price_coins === null ? null : Number(r.price_coins),
    locked: r.locked,
    created_at: iso(r.created_at)!,
    expires_at: iso(r.expires_at),
    view_once: r.view_once,
    cursor: encodeCursor(r.cursor_at, r.id),
  };
}

/** One message read under the caller's RLS; null when they are not a member (or it expired). */
export async function readMessage(tx: Queryable, id: string, sealer?: Sealer): Promise<Message | null> {
  const { rows } = await tx.query<MessageRow>(`${MESSAGE_SELECT} where m.id = $1`, [id]);
  return rows[0] ? toMessage(rows[0], sealer) : null;
}

/** Many messages read in one query under the caller's RLS, by id; ids it cannot see are absent. */
async function readMessages(tx: Queryable, ids: string[], sealer?: Sealer): Promise<Map<string, Message>> {
  const byId = new Map<string, Message>();
  if (!ids.length) return byId;
  const { rows } = await tx.query<MessageRow>(`${MESSAGE_SELECT} where m.id = any($1::uuid[])`, [ids]);
  for (const r of rows) byId.set(r.id, await toMessage(r, sealer));
  return byId;
}

type ConversationRow = {
  id: string;
  kind: Conversation['kind'];
  state: Conversation['state'];
  last_read_at: Date | null;
  other_id: string | null;
  other_handle: string | null;
  other_display_name: string | null;
  other_last_read_at: Date | null;
  last_message_id: string | null;
  unread_count: number | string;
  timer: Conversation['timer'];
};

const CONVERSATION_SELECT = `
  select c.id, c.kind, c.timer, me.state, me.last_read_at,
         p.id as other_id, p.handle as other_handle, p.display_name as other_display_name,
         case when public.is_blocked_by(o.profile_id) then null else o.last_read_at end as other_last_read_at,
         (select m.id from public.messages m where m.conversation_id = c.id
            order by m.created_at desc, m.id desc limit 1) as last_message_id,
         (select count(*) from public.messages m where m.conversation_id = c.id
            and m.sender_id <> me.profile_id and (me.last_read_at is null or m.created_at > me.last_read_at)) as unread_count
  from public.conversations c
  join public.conversation_members me on me.conversation_id = c.id and me.profile_id = public.current_persona_id()
  left join public.conversation_members o on o.conversation_id = c.id and o.profile_id <> me.profile_id
  left join public.profiles p on p.id = o.profile_id`;

/** Conversation rows with their last messages, read in one query for all rows (a list never reads N+1). */
async function toConversations(tx: Queryable, rows: ConversationRow[], sealer?: Sealer) {
  const lastIds = rows.flatMap((r) => (r.last_message_id ? [r.last_message_id] : []));
  const last = await readMessages(tx, lastIds, sealer);
  return rows.map((r) => toConversation(r, r.last_message_id ? (last.get(r.last_message_id) ?? null) : null));
}

function toConversation(r: ConversationRow, lastMessage: Message | null): Conversation {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    other: r.other_id
      ? { id: r.other_id, handle: r.other_handle ?? '', display_name: r.other_display_name ?? '' }
      : null,
    last_message: lastMessage,
    last_read_at: iso(r.last_read_at),
    other_last_read_at: iso(r.other_last_read_at),
    unread_count: Number(r.unread_count),
    timer: r.timer,
  };
}

export async function getConversation(
  db: Database,
  claims: JwtClaims,
  id: string,
  sealer?: Sealer,
): Promise<Conversation> {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<ConversationRow>(`${CONVERSATION_SELECT} where c.id = $1`, [id]);
    if (!rows[0] || rows[0].state === 'left') throw notFound('conversation');
    return (await toConversations(tx, rows, sealer))[0]!;
  });
}

/** The caller's conversations and, separately, message requests waiting for an answer. */
export async function listConversations(db: Database, claims: JwtClaims, sealer?: Sealer) {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<ConversationRow & { last_at: Date | null }>(
      // Candidate-first (decision 021): the caller's memberships (conversation_members_profile_idx) are the
      // candidates, so conversations' and members' policies run on the caller's rows, never on the platform's.
      // The array repeats what the join to `me` already requires, so it changes no row, only the plan.
      `select * from (${CONVERSATION_SELECT} where me.state in ('active', 'request')
         and c.id = any (array(select m.conversation_id from public.conversation_members m
                               where m.profile_id = public.current_persona_id() and m.state in ('active', 'request')))) x
         left join lateral (select max(m.created_at) as last_at from public.messages m where m.conversation_id = x.id) l on true
       order by coalesce(l.last_at, '-infinity'::timestamptz) desc, x.id desc limit 200`,
    );
    // A request with no message yet is not worth showing.
    const shown = rows.filter((r) => r.state !== 'request' || r.last_message_id);
    const all = await toConversations(tx, shown, sealer);
    return {
      conversations: all.filter((c) => c.state !== 'request'),
      requests: all.filter((c) => c.state === 'request'),
    };
  });
}

export async function startConversation(db: Database, claims: JwtClaims, profileId: string, sealer?: Sealer) {
  const id = await db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ id: string }>('select public.start_conversation($1) as id', [
      profileId,
    ]);
    return rows[0]!.id;
  });
  return getConversation(db, claims, id, sealer);
}

/** A send's bad input as a 400 naming its field; unsealed media where no trace is promised has its own code. */
function sendInputError(err: unknown): never {
  if ((err as { hint?: string }).hint === 'media_not_sealed')
    throw new DomainError('validation', 'media_not_sealed', (err as Error).message, {
      fields: [{ path: 'media_id', message: 'upload it with sealed: true' }],
    });
  return inputErrorOn((message) => (/media/i.test(message) ? 'media_id' : 'body'))(err);
}

/**
 * Sends a message. Timed, read-timer and view-once messages are no-trace: their body is encrypted here, before
 * the insert, with a key outside the database (the hour window of its expiry, or a key of its own), and their
 * media must have been uploaded sealed; the database refuses anything else (decision 015).
 */
export async function sendMessage(
  db: Database,
  claims: JwtClaims,
  conversationId: string,
  input: { body?: string; media_id?: string; view_once?: boolean; price_coins?: number },
  sealer?: Sealer,
): Promise<Message> {
  let objectKey: string | null = null;
  try {
    return await db.asUser(claims, async (tx) => {
      // Not no-trace (the common case): plan, send and the stored row in one statement. Otherwise it returns the
      // plan only, with the conversation's timer locked until commit, so the row is stamped with the expiry we
      // sealed for.
      const { rows: sent } = await tx
        .query<MessageRow & { sealed: boolean; window_key: string | null }>(
          `select s.*, ${cursorAt('s.created_at')} as cursor_at, false as locked,
                  null::bytea as body_sealed, null::text as key_id
             from public.send_message_unless_sealed($1, $2, $3, $4, $5) s`,
          [
            conversationId,
            input.body ?? null,
            input.media_id ?? null,
            input.view_once ?? false,
            input.price_coins ? input.price_coins : null,
          ],
        )
        .catch(sendInputError);
      const plan = sent[0];
      if (!plan) throw notFound('message'); // sent, but RLS does not show it back (it cannot be: defensive)
      if (!plan.sealed) return toMessage(plan, sealer);
      if (!sealer)
        throw new DomainError(
          'not_configured',
          'sealing_not_configured',
          'no-trace messages need a key provider',
        );
      const body = input.body ?? '';
      let box: Buffer | null = null;
      let keyId: string | null = null;
      if (body.length) {
        keyId = plan.window_key ?? Sealer.objectKeyId();
        if (!plan.window_key) objectKey = keyId;
        box = await sealer.sealText(keyId, body, bodyAad(conversationId));
      }
      // A priced message (creators only, 403 otherwise) is sealed the same way and priced in this transaction.
      const { rows } = await tx
        .query<{ id: string }>(
          input.price_coins
            ? 'select public.send_sealed_paid_message($1, $2, $3, $4, $5) as id'
            : 'select public.send_sealed_message($1, $2, $3, $4, $5) as id',
          [
            conversationId,
            box,
            keyId,
            input.media_id ?? null,
            input.price_coins ? input.price_coins : (input.view_once ?? false),
          ],
        )
        .catch(sendInputError);
      const id = rows[0]!.id;
      const message = await readMessage(tx, id, sealer);
      if (!message) throw notFound('message');
      return message;
    });
  } catch (err) {
    // A key made for a message that was never stored protects nothing: destroy it.
    if (objectKey) await sealer?.destroy(objectKey).catch(() => {});
    throw err;
  }
}

export async function listMessages(
  db: Database,
  claims: JwtClaims,
  conversationId: string,
  q: { after?: string; before?: string; limit: number },
  sealer?: Sealer,
) {
  const after = decodeCursor(q.after, 'after');
  const before = decodeCursor(q.before, 'before');
  return db.asUser(claims, async (tx) => {
    // Membership under RLS: a non-member learns nothing, not even whether the conversation exists.
    const member = await tx.query('select 1 from public.conversations where id = $1', [conversationId]);
    if (!member.rows[0]) throw notFound('conversation');
    const { rows } = after
      ? await tx.query<MessageRow>(
          `${MESSAGE_SELECT} where m.conversation_id = $1 and (m.created_at, m.id) > ($2::timestamptz, $3::uuid)
           order by m.created_at asc, m.id asc limit $4`,
          [conversationId, after.at, after.id, q.limit + 1],
        )
      : await tx.query<MessageRow>(
          `${MESSAGE_SELECT} where m.conversation_id = $1
             and ($2::timestamptz is null or (m.created_at, m.id) < ($2::timestamptz, $3::uuid))
           order by m.created_at desc, m.id desc limit $4`,
          [conversationId, before?.at ?? null, before?.id ?? null, q.limit + 1],
        );
    const items = await Promise.all(rows.slice(0, q.limit).map((r) => toMessage(r, sealer)));
    const more = rows.length > q.limit;
    return { items, next_cursor: more ? items[items.length - 1]!.cursor : null };
  });
}

export async function markRead(db: Database, claims: JwtClaims, conversationId: string) {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ at: Date }>('select public.mark_conversation_read($1) as at', [
      conversationId,
    ]);
    return {
      conversation_id: conversationId,
      profile_id: claims.persona_id!,
      last_read_at: iso(rows[0]!.at),
    };
  });
}

export async function respond(
  db: Database,
  claims: JwtClaims,
  conversationId: string,
  action: 'accept' | 'decline' | 'block',
  sealer?: Sealer,
) {
  await db.asUser(claims, (tx) =>
    tx.query('select public.respond_to_conversation($1, $2)', [conversationId, action]),
  );
  return getConversation(db, claims, conversationId, sealer);
}

/** Announces the caller typing; false when they may not (not a member, blocked). */
export async function announceTyping(db: Database, claims: JwtClaims, conversationId: string) {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ ok: boolean }>('select public.broadcast_typing($1) as ok', [
      conversationId,
    ]);
    return rows[0]?.ok === true;
  });
}

/** A member an event goes to, with what RLS lets them see of it (realtime_conversation_fanout). */
export type FanoutRecipient = {
  personaId: string;
  /** The event's message as this member reads it; null when RLS hides it from them (or none was asked for). */
  message: () => Promise<Message | null>;
  /** The reader's read state as this member sees it; null when hidden (a block) or none was asked for. */
  read: { conversation_id: string; profile_id: string; last_read_at: string | null } | null;
};

type FanoutRow = Omit<MessageRow, 'locked'> & {
  recipient_id: string;
  message_visible: boolean;
  message_locked: boolean | null;
  read_visible: boolean;
  read_last_read_at: Date | null;
};

/**
 * One read for every recipient of a conversation event: the members still receiving it (as their own RLS would
 * show their membership), and for each what RLS shows them of the message and of the reader's read state. One
 * service transaction, one statement, whatever the number of members and sockets; a sealed body is opened at
 * most once per event.
 */
export async function conversationFanout(
  db: Database,
  conversationId: string,
  about: { messageId?: string; readerId?: string },
  sealer?: Sealer,
): Promise<FanoutRecipient[]> {
  const rows = await db.service('realtime:conversation-fanout', async (tx) => {
    const { rows } = await tx.query<FanoutRow>(
      `select f.recipient_id, f.message_visible, f.message_locked, f.read_visible, r.last_read_at as read_last_read_at,
              m.id, m.conversation_id, m.sender_id, m.kind, m.created_at, m.expires_at, m.price_coins,
              ${cursorAt('m.created_at')} as cursor_at, m.body, m.media_id, m.view_once, m.body_sealed, m.key_id
         from public.realtime_conversation_fanout($1, $2::uuid, $3::uuid) f
         left join public.messages m on m.id = $2::uuid and f.message_visible
         left join public.conversation_members r on r.conversation_id = $1 and r.profile_id = $3::uuid and f.read_visible`,
      [conversationId, about.messageId ?? null, about.readerId ?? null],
    );
    return rows;
  });
  // The message is the same row for everyone: opened (if sealed) once, on first use, then locked per member.
  let unlocked: Promise<Message> | null = null;
  return rows.map((r) => ({
    personaId: r.recipient_id,
    message: async () => {
      if (!r.message_visible || !r.id) return null;
      if (r.message_locked) return toMessage({ ...r, locked: true });
      unlocked ??= toMessage({ ...r, locked: false }, sealer);
      return unlocked;
    },
    read:
      r.read_visible && about.readerId
        ? {
            conversation_id: conversationId,
            profile_id: about.readerId,
            last_read_at: iso(r.read_last_read_at),
          }
        : null,
  }));
}
