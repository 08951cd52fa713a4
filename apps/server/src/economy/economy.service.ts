import type {
  CoinPackage,
  Earnings,
  SpendResult,
  Subscription,
  TipInput,
  UnlockPostResult,
  Wallet,
} from '@ipelya/contracts';
import { TipSchema } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { loadPost } from '../content/posts.service.ts';
import { cursorAt, decodeCursor, encodeCursor, iso } from '../shared/pagination.ts';
import { assessTip } from './fraud/fraud.service.ts';

const balanceOf = async (tx: Queryable) =>
  Number((await tx.query<{ b: string }>('select public.my_wallet_balance()::text as b')).rows[0]?.b ?? 0);

export async function listPackages(db: Database, claims: JwtClaims | null): Promise<CoinPackage[]> {
  return db.as(claims, async (tx) => {
    const { rows } = await tx.query<CoinPackage & { coins: string }>(
      'select id, code, coins, prices, apple_product_id, google_product_id from public.coin_packages where active order by coins',
    );
    return rows.map((r) => ({ ...r, coins: Number(r.coins) }));
  });
}

/** Balance (shared by both personas) and the active persona's own history, newest first. */
export async function getWallet(
  db: Database,
  claims: JwtClaims,
  q: { cursor?: string; limit: number },
): Promise<Wallet> {
  const after = decodeCursor(q.cursor);
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{
      transaction_id: string;
      kind: string;
      amount: string;
      created_at: Date;
      cursor_at: string;
      id: string;
    }>(
      `select e.transaction_id, t.kind, e.amount::text as amount, e.created_at, ${cursorAt('e.created_at')} as cursor_at, e.transaction_id as id
       from public.ledger_entries e
       join public.ledger_accounts a on a.id = e.account_id and a.kind = 'user_wallet' and a.user_id = auth.uid()
       join public.ledger_transactions t on t.id = e.transaction_id
       where ($1::timestamptz is null or (e.created_at, e.transaction_id) < ($1::timestamptz, $2::uuid))
       order by e.created_at desc, e.transaction_id desc limit $3`,
      [after?.at ?? null, after?.id ?? null, q.limit + 1],
    );
    const balance = await balanceOf(tx);
    const last = rows.length > q.limit ? rows[q.limit - 1] : undefined;
    return {
      balance,
      in_debt: balance < 0,
      history: rows.slice(0, q.limit).map((r) => ({
        transaction_id: r.transaction_id,
        kind: r.kind,
        amount: Number(r.amount),
        created_at: iso(r.created_at)!,
      })),
      next_cursor: last ? encodeCursor(last.cursor_at, last.transaction_id) : null,
    };
  });
}

/** Runs one spend function in the user's transaction: its transaction id plus the wallet balance after it. */
async function spendIn(tx: Queryable, sql: string, params: unknown[]): Promise<SpendResult> {
  const { rows } = await tx.query<{ transaction_id: string; replayed: boolean }>(sql, params);
  return {
    transaction_id: rows[0]!.transaction_id,
    replayed: rows[0]!.replayed,
    balance: await balanceOf(tx),
  };
}

function spendAs(db: Database, claims: JwtClaims, sql: string, params: unknown[]): Promise<SpendResult> {
  return db.asUser(claims, (tx) => spendIn(tx, sql, params));
}

export function unlockPost(
  db: Database,
  claims: JwtClaims,
  postId: string,
  key: string,
): Promise<UnlockPostResult> {
  return db.asUser(claims, async (tx) => {
    const spend = await spendIn(tx, 'select transaction_id, replayed from public.unlock_post($1, $2)', [
      postId,
      key,
    ]);
    // Read after the unlock, in the same transaction: the post as GET /posts/{id} now answers it.
    return { ...spend, post: await loadPost(tx, postId) };
  });
}

export async function sendTip(
  db: Database,
  claims: JwtClaims,
  input: TipInput,
  key: string,
): Promise<SpendResult> {
  const v = TipSchema.parse(input);
  // Fraud review (tipping loops, self-funding): block refuses with 403, review lets the tip pass with a case.
  await assessTip(db, claims, { creatorId: v.creator_id, amount: v.amount, idempotencyKey: key });
  return spendAs(db, claims, 'select transaction_id, replayed from public.send_tip($1, $2, $3, $4)', [
    v.creator_id,
    v.amount,
    v.note,
    key,
  ]);
}

export function unlockMessage(
  db: Database,
  claims: JwtClaims,
  messageId: string,
  key: string,
): Promise<SpendResult> {
  return spendAs(db, claims, 'select transaction_id, replayed from public.unlock_message($1, $2)', [
    messageId,
    key,
  ]);
}

type SubRow = {
  id: string;
  creator_id: string;
  tier_id: string;
  status: Subscription['status'];
  current_period_end: Date;
  cancel_at_period_end: boolean;
  grace_until: Date | null;
};
const toSubscription = (r: SubRow): Subscription => ({
  id: r.id,
  creator_id: r.creator_id,
  tier_id: r.tier_id,
  status: r.status,
  current_period_end: iso(r.current_period_end)!,
  cancel_at_period_end: r.cancel_at_period_end,
  grace_until: iso(r.grace_until),
});

export async function subscribe(db: Database, claims: JwtClaims, tierId: string, key: string) {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ subscription_id: string; replayed: boolean }>(
      'select subscription_id, replayed from public.subscribe($1, $2)',
      [tierId, key],
    );
    const { rows: subs } = await tx.query<SubRow>('select * from public.subscriptions where id = $1', [
      rows[0]!.subscription_id,
    ]);
    return {
      subscription: toSubscription(subs[0]!),
      replayed: rows[0]!.replayed,
      balance: await balanceOf(tx),
    };
  });
}

export async function cancelSubscription(
  db: Database,
  claims: JwtClaims,
  creatorId: string,
): Promise<Subscription> {
  return db.asUser(claims, async (tx) => {
    await tx.query('select public.cancel_subscription($1)', [creatorId]);
    const { rows } = await tx.query<SubRow>(
      'select * from public.subscriptions where subscriber_id = public.current_persona_id() and creator_id = $1',
      [creatorId],
    );
    return toSubscription(rows[0]!);
  });
}

export async function mySubscriptions(db: Database, claims: JwtClaims): Promise<Subscription[]> {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<SubRow>(
      'select * from public.subscriptions where subscriber_id = public.current_persona_id() order by current_period_end desc',
    );
    return rows.map(toSubscription);
  });
}

export async function createTier(
  db: Database,
  claims: JwtClaims,
  input: { name: string; price_coins: number; trial_days: number },
) {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      creator_id: string;
      name: string;
      price_coins: string;
      trial_days: number;
      active: boolean;
    }>(
      `insert into public.subscription_tiers (creator_id, name, price_coins, trial_days)
       values (public.current_persona_id(), $1, $2, $3) returning id, creator_id, name, price_coins, trial_days, active`,
      [input.name, input.price_coins, input.trial_days],
    );
    return { ...rows[0]!, price_coins: Number(rows[0]!.price_coins) };
  });
}

export async function listTiers(db: Database, claims: JwtClaims | null, creatorId: string) {
  return db.as(claims, async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      creator_id: string;
      name: string;
      price_coins: string;
      trial_days: number;
      active: boolean;
    }>(
      'select id, creator_id, name, price_coins, trial_days, active from public.subscription_tiers where creator_id = $1 and active order by price_coins',
      [creatorId],
    );
    return rows.map((r) => ({ ...r, price_coins: Number(r.price_coins) }));
  });
}

/** The active persona's earnings as a creator: pending (on hold), available, in payout, recent items. */
export async function getEarnings(db: Database, claims: JwtClaims): Promise<Earnings> {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ kind: string; balance: string }>(
      `select kind, balance::text from public.ledger_accounts where profile_id = public.current_persona_id() and currency = 'COIN'`,
    );
    const bal = (k: string) => Number(rows.find((r) => r.kind === k)?.balance ?? 0);
    const { rows: recent } = await tx.query<{
      kind: string;
      amount: string;
      available_at: Date;
      released: boolean;
      created_at: Date;
    }>(
      `select kind, amount::text, available_at, released_transaction_id is not null as released, created_at
       from public.creator_earnings where creator_id = public.current_persona_id() order by created_at desc limit 50`,
    );
    return {
      pending: bal('creator_pending'),
      available: bal('creator_available'),
      in_payout: bal('payouts_in_transit'),
      recent: recent.map((r) => ({
        kind: r.kind,
        amount: Number(r.amount),
        available_at: iso(r.available_at)!,
        released: r.released,
        created_at: iso(r.created_at)!,
      })),
    };
  });
}

/** Scheduler: renew subscriptions whose period ended by `asOf` (injected clock in tests). */
export async function renewSubscriptions(db: Database, asOf: Date = new Date()) {
  return db.service('job:subscription-renewals', async (tx) => {
    const { rows } = await tx.query<{ renewed: number; past_due: number; expired: number }>(
      'select * from public.renew_subscriptions($1)',
      [asOf.toISOString()],
    );
    return rows[0]!;
  });
}

/** Scheduler: pending earnings whose hold has passed become available. */
export async function releaseEarnings(db: Database, asOf: Date = new Date()): Promise<number> {
  return db.service('job:earnings-release', async (tx) => {
    const { rows } = await tx.query<{ n: number }>('select public.release_earnings($1) as n', [
      asOf.toISOString(),
    ]);
    return Number(rows[0]?.n ?? 0);
  });
}

export type LedgerViolation = { check_name: string; subject: string; detail: string };

/** The books: empty means every currency sums to zero and every balance equals its entries. */
export async function ledgerViolations(db: Database): Promise<LedgerViolation[]> {
  return db.service(
    'ledger:check',
    async (tx) =>
      (await tx.query<LedgerViolation>('select * from public.ledger_invariant_violations()')).rows,
  );
}
