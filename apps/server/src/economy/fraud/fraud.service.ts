import { isIP } from 'node:net';
import type {
  FraudActionResult,
  FraudBlock,
  FraudCase,
  FraudCaseListQuery,
  FraudOutcome,
  FraudReason,
  FraudRelease,
} from '@ipelya/contracts';
import { FraudBlockSchema, FraudCaseListQuerySchema, FraudReleaseSchema } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { DomainError, notFound } from '../../errors.ts';
import { iso } from '../../shared/pagination.ts';
import {
  decide,
  type FraudSettings,
  type PurchaseFacts,
  purchaseRules,
  type SpendFacts,
  spendRules,
} from './fraud.rules.ts';

export type FraudAssessment = {
  outcome: FraudOutcome;
  score: number;
  reasons: FraudReason[];
  /** The case recorded for this decision; null when nothing was assessed (a replay, a decided purchase). */
  caseId: string | null;
  purchaseId?: string;
};

async function settings(tx: Queryable): Promise<FraudSettings> {
  const { rows } = await tx.query<{ s: Record<string, string | number> }>(
    'select public.fraud_settings() as s',
  );
  return Object.fromEntries(Object.entries(rows[0]?.s ?? {}).map(([k, v]) => [k, Number(v)]));
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Loopback, private and link-local addresses say nothing about a buyer (proxies, the embedded server). */
export function publicIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const v = isIP(ip);
  if (v === 4) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    if (a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168))
      return null;
    if ((a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)) return null;
    return ip;
  }
  if (v === 6) {
    const low = ip.toLowerCase();
    if (low === '::1' || low === '::' || /^f[cd]/.test(low) || /^fe[89ab]/.test(low)) return null;
    if (low.startsWith('::ffff:')) return publicIp(low.slice(7));
    return ip;
  }
  return null;
}

export type PurchaseAssessmentInput = {
  provider: string;
  externalId: string;
  checkoutId: string | null;
  /** The purchase row the event names, when it names one. */
  purchaseId?: string | null;
  userId: string;
  packageId: string;
  amountMinor: number;
  currency: string;
  eventId: string;
  /** A provider's card fingerprint (e.g. Stripe's payment_method.card.fingerprint), when it sends one. */
  cardFingerprint?: string | null;
};

/**
 * Assesses a succeeded payment before it is credited, inside the webhook's transaction. allow: the caller
 * credits it as usual. review: the purchase is held (not credited) until an admin releases it. block: it is
 * blocked and never credited. A purchase decided before (held, blocked, credited) is not assessed again.
 */
export async function assessPurchase(
  tx: Queryable,
  input: PurchaseAssessmentInput,
): Promise<FraudAssessment> {
  const { rows } = await tx.query<{
    id: string;
    status: string;
    device_install_id: string | null;
    ip: string | null;
    card_fingerprint: string | null;
    coins: string;
  }>(
    'select id, status, device_install_id, host(ip) as ip, card_fingerprint, coins::text from public.fraud_purchase_subject($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [
      input.provider,
      input.externalId,
      input.userId,
      input.packageId,
      input.amountMinor,
      input.currency,
      input.checkoutId,
      input.cardFingerprint ?? null,
      input.purchaseId ?? null,
    ],
  );
  const subject = rows[0]!;
  if (subject.status === 'held' || subject.status === 'blocked')
    return {
      outcome: subject.status === 'held' ? 'review' : 'block',
      score: 0,
      reasons: [],
      caseId: null,
      purchaseId: subject.id,
    };
  if (subject.status !== 'pending')
    return { outcome: 'allow', score: 0, reasons: [], caseId: null, purchaseId: subject.id };

  const s = await settings(tx);
  const facts = await tx.query<{ f: Record<string, unknown> }>(
    'select public.fraud_purchase_facts($1, $2, $3, $4::inet, $5, $6) as f',
    [
      input.userId,
      subject.id,
      subject.device_install_id,
      publicIp(subject.ip),
      subject.card_fingerprint,
      Number(subject.coins),
    ],
  );
  const f = facts.rows[0]!.f;
  const pf: PurchaseFacts = {
    user_purchases_in_window: Number(f.user_purchases_in_window),
    device_purchases_in_window: num(f.device_purchases_in_window),
    ip_purchases_in_window: num(f.ip_purchases_in_window),
    accounts_on_device: num(f.accounts_on_device),
    accounts_on_card: num(f.accounts_on_card),
    settled_purchases: Number(f.settled_purchases),
    refunded_purchases: Number(f.refunded_purchases),
    chargebacks: Number(f.chargebacks),
    account_age_hours: num(f.account_age_hours),
    coins: Number(f.coins),
  };
  const decision = decide(purchaseRules, pf, s);
  const recorded = await tx.query<{ id: string }>(
    `select public.fraud_record_case('purchase', $1, $2, null, $3, $4, $5::jsonb, $6::jsonb) as id`,
    [
      subject.id,
      input.userId,
      decision.score,
      decision.outcome,
      JSON.stringify(decision.reasons),
      JSON.stringify({
        provider: input.provider,
        external_id: input.externalId,
        coins: pf.coins,
        amount_minor: input.amountMinor,
        currency: input.currency,
        facts: pf,
      }),
    ],
  );
  if (decision.outcome !== 'allow') {
    await tx.query('select public.fraud_hold_purchase($1, $2, $3, $4, $5, $6, $7, $8)', [
      subject.id,
      input.provider,
      input.externalId,
      input.amountMinor,
      input.currency,
      decision.outcome === 'review' ? 'held' : 'blocked',
      decision.score,
      input.eventId,
    ]);
  }
  return { ...decision, caseId: recorded.rows[0]!.id, purchaseId: subject.id };
}

/**
 * Assesses a tip before send_tip runs (tipping loops, self-funding creators). block refuses it (403
 * blocked_by_fraud_review). review lets it through and records an open case: a tip is small and reversible
 * by review, and refusing it would tell a fraud ring which pattern tripped; purchases, where real money
 * enters, are the ones held. A replayed Idempotency-Key is not assessed again.
 */
export async function assessTip(
  db: Database,
  claims: JwtClaims,
  tip: { creatorId: string; amount: number; idempotencyKey: string },
): Promise<FraudAssessment> {
  const decision = await db.service('fraud:assess-tip', async (tx) => {
    const { rows } = await tx.query<{ f: SpendFacts }>(
      // Per spending persona (decision 014): no answer to one persona depends on what the other one did.
      'select public.fraud_spend_facts($1, $2, $3, $4, now(), $5) as f',
      [claims.sub, tip.creatorId, tip.amount, tip.idempotencyKey, claims.persona_id ?? null],
    );
    const raw = rows[0]!.f;
    const f: SpendFacts = {
      replay: Boolean(raw.replay),
      amount: Number(raw.amount),
      loop_back_tips: Number(raw.loop_back_tips),
      loop_via_accounts: Number(raw.loop_via_accounts),
      loop_via_tips: Number(raw.loop_via_tips),
      creator_window_earnings: Number(raw.creator_window_earnings),
      creator_young_earnings: Number(raw.creator_young_earnings),
      creator_young_accounts: Number(raw.creator_young_accounts),
      sender_is_new: Boolean(raw.sender_is_new),
    };
    if (f.replay) return { outcome: 'allow' as const, score: 0, reasons: [], caseId: null };
    const d = decide(spendRules, f, await settings(tx));
    // The case names the spending persona only; the account behind it stays inside SQL.
    const recorded = await tx.query<{ id: string }>(
      `select public.fraud_record_case('spend', $1, null, $2, $3, $4, $5::jsonb, $6::jsonb) as id`,
      [
        `tip:${tip.idempotencyKey}`,
        claims.persona_id ?? null,
        d.score,
        d.outcome,
        JSON.stringify(d.reasons),
        JSON.stringify({ kind: 'tip', creator_id: tip.creatorId, amount: tip.amount }),
      ],
    );
    return { ...d, caseId: recorded.rows[0]!.id };
  });
  if (decision.outcome === 'block')
    throw new DomainError('forbidden', 'blocked_by_fraud_review', 'this tip was refused by fraud review', {
      case_id: decision.caseId,
    });
  return decision;
}

type CaseRow = Omit<FraudCase, 'reviewed_at' | 'created_at' | 'purchase'> & {
  reviewed_at: Date | null;
  created_at: Date;
  purchase: Record<string, unknown> | null;
};

function toCase(r: CaseRow): FraudCase {
  const p = r.purchase;
  return {
    ...r,
    reviewed_at: iso(r.reviewed_at),
    created_at: iso(r.created_at)!,
    purchase: p
      ? {
          id: String(p.id),
          status: String(p.status),
          provider: String(p.provider),
          coins: Number(p.coins),
          amount_minor: Number(p.amount_minor),
          currency: String(p.currency),
        }
      : null,
  };
}

/** Admins only (the SQL checks accounts.is_admin; anyone else gets 403). */
export async function listCases(db: Database, claims: JwtClaims, query: FraudCaseListQuery) {
  const q = FraudCaseListQuerySchema.parse(query);
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<CaseRow>(
      'select * from public.fraud_case_list($1, $2, $3::timestamptz)',
      [q.status ?? null, q.limit ?? 50, q.before ?? null],
    );
    return rows.map(toCase);
  });
}

async function caseById(tx: Queryable, id: string): Promise<FraudCase> {
  const { rows } = await tx.query<CaseRow>('select * from public.fraud_case_list(null, 1, null, $1)', [id]);
  if (!rows[0]) throw notFound('fraud case');
  return toCase(rows[0]);
}

const decided = (status: string) =>
  new DomainError(
    'conflict',
    'fraud_case_decided',
    `this case was already ${status.replace('already_', '')}`,
  );

/** Releases a case; a held purchase is credited now, exactly once (a repeat answers credited: false). */
export async function releaseCase(
  db: Database,
  claims: JwtClaims,
  id: string,
  body: FraudRelease,
  requestId: string | null,
): Promise<FraudActionResult> {
  const v = FraudReleaseSchema.parse(body);
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ result: string; credited: boolean }>(
      'select * from public.fraud_release($1, $2, $3)',
      [id, v.note ?? null, requestId],
    );
    const r = rows[0]!;
    if (r.result !== 'released' && r.result !== 'already_released') throw decided(r.result);
    return { ...(await caseById(tx, id)), credited: r.credited, banned: false };
  });
}

/** Blocks a case: a held purchase stays uncredited for good; with ban, the account's personas are suspended. */
export async function blockCase(
  db: Database,
  claims: JwtClaims,
  id: string,
  body: FraudBlock,
  requestId: string | null,
): Promise<FraudActionResult> {
  const v = FraudBlockSchema.parse(body);
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ result: string; banned: boolean }>(
      'select * from public.fraud_block($1, $2, $3, $4)',
      [id, v.ban ?? false, v.note ?? null, requestId],
    );
    const r = rows[0]!;
    if (r.result !== 'blocked' && r.result !== 'already_blocked') throw decided(r.result);
    return { ...(await caseById(tx, id)), credited: false, banned: r.banned };
  });
}
