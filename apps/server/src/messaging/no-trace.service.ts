import type { ConversationTimer } from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';
import type { Storage } from '../storage/storage.ts';

/** Any member sets the conversation's self-destruct timer; it applies to messages sent from now on. */
export async function setTimer(
  db: Database,
  claims: JwtClaims,
  conversationId: string,
  timer: ConversationTimer,
): Promise<{ conversation_id: string; timer: ConversationTimer }> {
  await db.asUser(claims, (tx) =>
    tx.query('select public.set_conversation_timer($1, $2)', [conversationId, timer]),
  );
  return { conversation_id: conversationId, timer };
}

export type OpenResult = { gone: true } | { gone: false; url: string; expires_at: string };

/**
 * The recipient opens a view-once message: one signed URL, and the message is marked opened so the next purge
 * removes it with its bytes. The URL is signed inside the transaction: no URL, no "opened".
 */
export async function openViewOnce(
  db: Database,
  storage: Storage,
  claims: JwtClaims,
  messageId: string,
): Promise<OpenResult> {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{
      media_id: string | null;
      object_path: string | null;
      content_type: string | null;
      already_opened: boolean;
    }>('select * from public.open_view_once($1)', [messageId]);
    const r = rows[0]!;
    if (r.already_opened || !r.media_id) return { gone: true };
    const key = await tx.query<{ key_id: string | null }>('select public.message_media_key($1) as key_id', [
      r.media_id,
    ]);
    // This URL alone keeps serving the opened media, until it expires or the purge removes it.
    const { url, expiresAt } = await storage.downloadUrl({
      mediaId: r.media_id,
      key: r.object_path!,
      contentType: r.content_type!,
      keyId: key.rows[0]?.key_id ?? null,
      viewOnce: messageId,
    });
    return { gone: false, url, expires_at: expiresAt.toISOString() };
  });
}

/**
 * Deletes queued objects' bytes and clears their queue rows. A failing delete leaves the row for the next run;
 * the media row is already gone, so signed URLs answer 404 meanwhile.
 */
export async function drainPurgeQueue(db: Database, storage: Storage, batch = 200): Promise<number> {
  const queued = await db.service('no-trace:purge-queue-read', async (tx) => {
    const { rows } = await tx.query<{ id: string; object_path: string }>(
      'select id, object_path from public.purge_queue order by id limit $1',
      [batch],
    );
    return rows;
  });
  let done = 0;
  for (const q of queued) {
    try {
      await storage.driver.deleteObject(q.object_path);
    } catch (err) {
      storage.log?.warn({ err, key: q.object_path }, 'purge: storage delete failed; retrying next run');
      await db.service('no-trace:purge-queue-retry', (tx) =>
        tx.query('update public.purge_queue set attempts = attempts + 1 where id = $1', [q.id]),
      );
      continue;
    }
    await db.service('no-trace:purge-queue-clear', (tx) =>
      tx.query('delete from public.purge_queue where id = $1', [q.id]),
    );
    done += 1;
  }
  return done;
}

export type PurgeOptions = {
  asOf?: Date;
  batch?: number;
  /** Stop starting new batches after this long (the next run carries on); a minute's job keeps to ~45 s. */
  budgetMs?: number;
};

/**
 * Runs a batched purge step (`select <fn>(as_of, batch)`, returning rows removed) until a batch comes back
 * short or the time budget is spent, deleting queued bytes first and after each batch (a crash between a row
 * delete and its file delete is resumed from purge_queue). Returns rows removed plus files deleted.
 */
export async function purgeInBatches(
  db: Database,
  storage: Storage,
  step: PurgeStep,
  opts: PurgeOptions = {},
): Promise<number> {
  const until = Date.now() + (opts.budgetMs ?? 45_000);
  let drained = await drainPurgeQueue(db, storage);
  const removed = await runPurgeStep(db, step, opts, until, async () => {
    drained += await drainPurgeQueue(db, storage);
  });
  return removed + drained;
}

/** A batched SQL purge: `select <fn>(as_of, batch)` returning the rows it removed. */
export type PurgeStep = { reason: string; fn: string };

/**
 * The batches of one purge step, without touching purge_queue (callers that run several steps drain it once
 * around them): until a batch comes back short or `until` passes; `afterBatch` runs after each. Returns rows
 * removed.
 */
export async function runPurgeStep(
  db: Database,
  step: PurgeStep,
  opts: PurgeOptions,
  until: number,
  afterBatch?: () => Promise<void>,
): Promise<number> {
  const batch = opts.batch ?? 500;
  let removed = 0;
  do {
    const n = await db.service(step.reason, async (tx) => {
      const { rows } = await tx.query<{ n: number }>(
        `select ${step.fn}(coalesce($1::timestamptz, now()), $2) as n`,
        [opts.asOf?.toISOString() ?? null, batch],
      );
      return Number(rows[0]!.n);
    });
    removed += n;
    await afterBatch?.();
    if (n < batch) break;
  } while (Date.now() < until);
  return removed;
}

/**
 * Destroys the data keys nothing references any more (windows that are over, keys of deleted rows) in the key
 * provider, then forgets them. Once a key is gone every copy of what it sealed is unreadable. Returns keys
 * destroyed; a failure leaves the key registered for the next run.
 */
export async function destroyReleasedKeys(db: Database, storage: Storage, opts: PurgeOptions = {}) {
  const batch = opts.batch ?? 500;
  let destroyed = 0;
  for (;;) {
    const ids = await db.service('no-trace:keys-due', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        'select id from public.destroyable_sealing_keys(coalesce($1::timestamptz, now()), $2) as id',
        [opts.asOf?.toISOString() ?? null, batch],
      );
      return rows.map((r) => r.id);
    });
    const done: string[] = [];
    for (const id of ids) {
      try {
        await storage.sealer.destroy(id);
        done.push(id);
      } catch (err) {
        storage.log?.warn({ err, key: id }, 'purge: key destroy failed; retrying next run');
      }
    }
    if (done.length)
      await db.service('no-trace:keys-forget', (tx) =>
        tx.query('select public.forget_sealing_keys($1)', [done]),
      );
    destroyed += done.length;
    if (ids.length < batch || done.length < ids.length) return destroyed;
  }
}

/**
 * The purge job: expired (and opened view-once) messages, their media rows and bytes, then the keys they were
 * sealed with. Batched so one run never holds long locks; re-running is a no-op. `asOf` is injectable for tests.
 */
export async function purgeExpiredMessages(db: Database, storage: Storage, opts: PurgeOptions = {}) {
  const n = await purgeInBatches(
    db,
    storage,
    { reason: 'no-trace:purge-expired', fn: 'public.purge_expired_messages' },
    opts,
  );
  return n + (await destroyReleasedKeys(db, storage, opts));
}
