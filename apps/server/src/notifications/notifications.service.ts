import type { Notification } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { cursorAt, decodeCursor, iso, keysetPage } from '../shared/pagination.ts';

type NotificationRow = {
  id: string;
  kind: Notification['kind'];
  post_id: string | null;
  conversation_id: string | null;
  created_at: Date;
  cursor_at: string;
  read_at: Date | null;
  actor_id: string | null;
  actor_handle: string | null;
  actor_display_name: string | null;
};

const SELECT = `
  select n.id, ${cursorAt('n.created_at')} as cursor_at, n.kind, n.post_id, n.conversation_id, n.created_at, n.read_at, a.id as actor_id, a.handle as actor_handle, a.display_name as actor_display_name
  from public.notifications n left join public.profiles a on a.id = n.actor_id`;

export function toNotification(r: NotificationRow): Notification {
  return {
    id: r.id,
    kind: r.kind,
    actor: r.actor_id
      ? { id: r.actor_id, handle: r.actor_handle ?? '', display_name: r.actor_display_name ?? '' }
      : null,
    post_id: r.post_id,
    conversation_id: r.conversation_id,
    created_at: iso(r.created_at)!,
    read_at: iso(r.read_at),
  };
}

export async function listNotifications(
  db: Database,
  claims: JwtClaims,
  q: { cursor?: string; limit: number },
) {
  const after = decodeCursor(q.cursor);
  return db.asUser(claims, async (tx) => {
    // Candidate-first (decision 021): the page's ids from notifications_recipient_idx (the cursor is an index
    // condition: its text is left out of the first page's query), then the actor join for those rows only.
    const { rows } = await tx.query<NotificationRow>(
      `${SELECT} where n.id = any (array(
         select x.id from public.notifications x where x.recipient_id = public.current_persona_id()
           ${after ? 'and (x.created_at, x.id) < ($2::timestamptz, $3::uuid)' : ''}
         order by x.created_at desc, x.id desc limit $1))
       order by n.created_at desc, n.id desc`,
      after ? [q.limit + 1, after.at, after.id] : [q.limit + 1],
    );
    return keysetPage(rows, q.limit, toNotification, (r) => r.id);
  });
}

/** One notification read under the recipient's own RLS; null when it is not theirs (or is gone). */
export async function readNotification(tx: Queryable, id: string): Promise<Notification | null> {
  const { rows } = await tx.query<NotificationRow>(`${SELECT} where n.id = $1`, [id]);
  return rows[0] ? toNotification(rows[0]) : null;
}

export async function markAllRead(db: Database, claims: JwtClaims): Promise<number> {
  return db.asUser(claims, async (tx) => {
    const res = await tx.query(
      'update public.notifications set read_at = now() where recipient_id = public.current_persona_id() and read_at is null',
    );
    return res.rowCount;
  });
}
