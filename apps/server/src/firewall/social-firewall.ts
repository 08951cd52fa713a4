import { createHmac } from 'node:crypto';
import { contactHash, normalizeEmail, normalizePhone } from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';
import { DomainError } from '../errors.ts';
import { networkPrefix } from './network-prefix.ts';

/** How often one process re-records the same user on the same network (keeps the expiry fresh). */
const SIGHTING_REFRESH_MS = 10 * 60_000;
const MEMO_LIMIT = 100_000;

export type FirewallConfig = {
  secret: string | undefined;
  networkWindowHours: number;
  /** A sighting counts only this long after the network was first seen (decision 014); 0 in some tests. */
  networkDelayHours?: number;
};

/**
 * Keys and records what the social firewall matches on: each user's own verified phone/email and the
 * networks they are seen from. The matching itself is SQL (is_firewall_hidden, is_network_isolated), so every reader agrees.
 */
export class SocialFirewall {
  private readonly identities = new Map<string, string>();
  private readonly sightings = new Map<string, number>();
  /** Keyed fingerprint per network prefix: one HMAC per network, not one per request. */
  private readonly fingerprints = new Map<string, string>();
  /** Writes in flight, so concurrent first requests of one user write once (coalesced). */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly config: FirewallConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get configured(): boolean {
    return Boolean(this.config.secret);
  }

  private requireSecret(): string {
    if (!this.config.secret)
      throw new DomainError(
        'not_configured',
        'firewall_not_configured',
        'the contacts firewall is not configured on this server (FIREWALL_SECRET)',
      );
    return this.config.secret;
  }

  /** HMAC under the server's secret: what is stored is useless without it. */
  keyed(value: string): string {
    return createHmac('sha256', this.requireSecret()).update(value).digest('hex');
  }

  /** The key apps hash address-book entries with. Per deployment; not a secret on its own. */
  hashKey(): string {
    return createHmac('sha256', this.requireSecret())
      .update('ipelya:contacts-hash-key:v1')
      .digest('base64url');
  }

  /**
   * Called for every authenticated request; after the first time per user and network it is two map lookups
   * and no database work. The first observation of an identity or a (user, network) pair is written before
   * the handler runs (what the request does may already depend on it); concurrent requests share that write.
   */
  async observe(claims: JwtClaims, ip: string | null): Promise<void> {
    if (!this.configured || !claims.sub) return;
    await this.recordIdentity(
      claims.sub,
      typeof claims.email === 'string' ? claims.email : null,
      typeof claims.phone === 'string' ? claims.phone : null,
    );
    await this.recordSighting(claims.sub, ip);
  }

  private once(key: string, write: () => Promise<void>): Promise<void> {
    const running = this.pending.get(key);
    if (running) return running;
    const p = write().finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  private fingerprint(prefix: string): string {
    let fp = this.fingerprints.get(prefix);
    if (fp === undefined) {
      fp = this.keyed(`network:${prefix}`);
      if (this.fingerprints.size > MEMO_LIMIT) this.fingerprints.clear();
      this.fingerprints.set(prefix, fp);
    }
    return fp;
  }

  /** Stores the keyed hashes of the user's own verified phone and email (what others' contacts match). */
  async recordIdentity(userId: string, email: string | null, phone: string | null): Promise<void> {
    const memo = `${email ?? ''}|${phone ?? ''}`;
    if (this.identities.get(userId) === memo) return;
    return this.once(`identity|${userId}|${memo}`, () => this.writeIdentity(userId, email, phone, memo));
  }

  private async writeIdentity(userId: string, email: string | null, phone: string | null, memo: string) {
    const key = this.hashKey();
    const normalisedEmail = email ? normalizeEmail(email) : null;
    const normalisedPhone = phone ? normalizePhone(phone) : null;
    const rows: [string, string][] = [];
    if (normalisedEmail) rows.push(['email', this.keyed(contactHash(key, 'email', normalisedEmail))]);
    if (normalisedPhone) rows.push(['phone', this.keyed(contactHash(key, 'phone', normalisedPhone))]);
    await this.db.service('firewall:identity', async (tx) => {
      await tx.query(
        `delete from public.identity_hashes where user_id = $1 and not (kind = any($2::text[]))`,
        [userId, rows.map((r) => r[0])],
      );
      for (const [kind, hash] of rows) {
        await tx.query(
          `insert into public.identity_hashes (user_id, kind, hash) values ($1, $2, $3)
           on conflict (user_id, kind) do update set hash = excluded.hash, updated_at = now()
             where public.identity_hashes.hash <> excluded.hash`,
          [userId, kind, hash],
        );
      }
    });
    if (this.identities.size > MEMO_LIMIT) this.identities.clear();
    this.identities.set(userId, memo);
  }

  /** Records a keyed fingerprint of the caller's network that expires after the configured window. */
  async recordSighting(userId: string, ip: string | null): Promise<void> {
    const prefix = networkPrefix(ip);
    if (!prefix) return;
    const fingerprint = this.fingerprint(prefix);
    const memo = `${userId}|${fingerprint}`;
    const at = this.now();
    const last = this.sightings.get(memo);
    if (last !== undefined && at.getTime() - last < SIGHTING_REFRESH_MS) return;
    const write = this.once(`sighting|${memo}`, () => this.writeSighting(userId, fingerprint, memo, at));
    // A refresh of a sighting still alive only pushes expires_at out (effective_at stays), so nothing on this
    // request depends on it: it runs off the request path. A first sighting, or one after the window (the row
    // may have expired: the delay starts over), is awaited.
    if (last !== undefined && at.getTime() - last < this.config.networkWindowHours * 3_600_000) {
      write.catch(() => {});
      return;
    }
    await write;
  }

  private async writeSighting(userId: string, fingerprint: string, memo: string, at: Date) {
    const expires = new Date(at.getTime() + this.config.networkWindowHours * 3_600_000);
    // Joining a network is no test: the sighting takes effect only after the delay, counted from the first
    // sighting (a refresh keeps it; one after expiry starts over).
    const effective = new Date(at.getTime() + (this.config.networkDelayHours ?? 24) * 3_600_000);
    await this.db.service('firewall:sighting', (tx) =>
      tx.query(
        `insert into public.network_sightings (user_id, fingerprint, expires_at, effective_at) values ($1, $2, $3, $4)
         on conflict (user_id, fingerprint) do update set
           effective_at = case when public.network_sightings.expires_at <= now() then excluded.effective_at
                               else public.network_sightings.effective_at end,
           expires_at = greatest(public.network_sightings.expires_at, excluded.expires_at)`,
        [userId, fingerprint, expires, effective],
      ),
    );
    if (this.sightings.size > MEMO_LIMIT) this.sightings.clear();
    this.sightings.set(memo, at.getTime());
  }
}
