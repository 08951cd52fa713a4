import type { Database, JwtClaims } from '@ipelya/db';

/** The channel `auth.sessions` deletes are announced on (trigger `on_auth_sessions_ended`, personas schema). */
export const SESSION_ENDED_CHANNEL = 'ipelya_session_ended';

export type SessionGateOptions = {
  /** How long a positive answer is trusted without asking the database again: the revocation bound. */
  ttlMs: number;
  /** At most this many sessions are remembered (least recently used go first). */
  maxEntries: number;
  now?: () => number;
};

type Entry = { sub: string; until: number };

/**
 * Answers "is this token's session still alive?" for every authenticated request and realtime socket.
 *
 * A positive answer is remembered for `ttlMs` (decision 024), so a busy session costs one query per TTL instead
 * of one per request. Revocation still bites within that bound everywhere, and at once where it is known:
 * - this process ended the session (logout, device revoke, refresh-token reuse, account deletion): the caller
 *   calls `forget*` before it answers;
 * - another process or Supabase Auth deleted it: the `auth.sessions` trigger NOTIFYs `ipelya_session_ended`
 *   and `listen()` forgets the ids as soon as the notification arrives;
 * - the notification is lost (listener connection dropped): the TTL still expires the entry.
 * Negative answers are never remembered, and an answer that raced a `forget` is not stored (epoch check).
 */
export class SessionGate {
  private readonly alive = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<boolean>>();
  /** Bumped by every forget: a lookup that started before it must not store its (maybe stale) answer. */
  private epoch = 0;
  private readonly now: () => number;
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Database,
    private readonly opts: SessionGateOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.alive.size;
  }

  async isActive(claims: JwtClaims): Promise<boolean> {
    const sid = claims.session_id;
    // is_session_active(null) is false: a user token without a session never passes.
    if (typeof sid !== 'string' || !sid) return false;
    const hit = this.alive.get(sid);
    if (hit && hit.sub === claims.sub && hit.until > this.now()) {
      // Least recently used order: a hit moves to the back.
      this.alive.delete(sid);
      this.alive.set(sid, hit);
      return true;
    }
    const key = `${this.epoch}|${sid}|${claims.sub}`;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const epoch = this.epoch;
    const lookup = this.query(claims, sid)
      .then((ok) => {
        if (ok && epoch === this.epoch && this.opts.ttlMs > 0) this.remember(sid, claims.sub);
        return ok;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, lookup);
    return lookup;
  }

  private async query(claims: JwtClaims, sid: string): Promise<boolean> {
    return this.db.asUser(claims, async (tx) => {
      const { rows } = await tx.query<{ ok: boolean }>('select public.is_session_active($1) as ok', [sid]);
      return rows[0]?.ok === true;
    });
  }

  private remember(sid: string, sub: string) {
    this.alive.delete(sid);
    this.alive.set(sid, { sub, until: this.now() + this.opts.ttlMs });
    while (this.alive.size > this.opts.maxEntries) {
      const oldest = this.alive.keys().next().value as string;
      this.alive.delete(oldest);
    }
  }

  /** These sessions ended: the next request with their tokens asks the database (and gets false). */
  forget(sessionIds: readonly string[]): void {
    this.epoch++;
    for (const id of sessionIds) this.alive.delete(id);
  }

  /** Every session of this user ended, or may have (global logout, account deletion). */
  forgetUser(userId: string): void {
    this.epoch++;
    for (const [sid, e] of this.alive) if (e.sub === userId) this.alive.delete(sid);
  }

  forgetAll(): void {
    this.epoch++;
    this.alive.clear();
  }

  /** Subscribes to the database's announcements of ended sessions (every process does). */
  async listen(): Promise<void> {
    if (this.unlisten) return;
    this.unlisten = await this.db.listen(SESSION_ENDED_CHANNEL, (payload) => this.onNotification(payload));
  }

  /** Payload: a JSON array of session ids, or "*" when too many ended at once to list. */
  onNotification(payload: string): void {
    let ids: unknown = null;
    try {
      ids = payload === '*' ? null : JSON.parse(payload);
    } catch {
      // A payload we cannot read: forgetting everything is always safe.
    }
    if (Array.isArray(ids)) this.forget(ids.filter((x): x is string => typeof x === 'string'));
    else this.forgetAll();
  }

  async stop(): Promise<void> {
    const u = this.unlisten;
    this.unlisten = null;
    await u?.().catch(() => {});
  }
}
