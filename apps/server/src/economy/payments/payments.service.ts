import { createHash, randomUUID } from 'node:crypto';
import type { Checkout, PaymentProvider as ProviderName, StartCheckout } from '@ipelya/contracts';
import { StartCheckoutSchema } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import type { Logger } from 'pino';
import { DomainError, invalid, notFound } from '../../errors.ts';
import { iso } from '../../shared/pagination.ts';
import { assessPurchase } from '../fraud/fraud.service.ts';
import { notConfigured, type PaymentEvent, type PaymentProvider, type WebhookRequest } from './provider.ts';

export type PaymentProviders = Map<ProviderName, PaymentProvider>;

export function providerOf(providers: PaymentProviders, name: string): PaymentProvider {
  const p = providers.get(name as ProviderName);
  if (!p) throw notFound(`payment provider ${name}`);
  if (!p.configured) throw notConfigured(name);
  return p;
}

const providerUnavailable = (name: string) =>
  // 503 like a provider that is not configured: the client may retry later; nothing was charged.
  new DomainError(
    'not_configured',
    'provider_unavailable',
    `payment provider ${name} is unavailable; try again later`,
  );

/** What an Idempotency-Key stands for: the same key with another body is a different request (409). */
const checkoutHash = (v: { package_id: string; provider: string; currency: string }) =>
  createHash('sha256').update(`${v.package_id}:${v.provider}:${v.currency}`).digest('hex');

type CheckoutRow = {
  id: string;
  status: string;
  provider: string;
  request_hash: string | null;
  checkout_url: string | null;
};

/**
 * Starts a web checkout: a pending purchase row (expecting the package's price), then the provider's hosted
 * page. The same Idempotency-Key and body answer the same purchase and page; another body is 409. A provider
 * that cannot be reached answers 503 provider_unavailable and leaves the purchase failed, not pending, with
 * its key released so a retry with the same key starts afresh.
 */
export async function startCheckout(
  db: Database,
  providers: PaymentProviders,
  claims: JwtClaims,
  input: StartCheckout,
  ctx: {
    ip: string | null;
    returnUrl: string;
    installId: string | null;
    idempotencyKey: string;
    log?: Logger;
  },
): Promise<Checkout> {
  const v = StartCheckoutSchema.parse(input);
  // Not registered here (the local provider in production): the caller chose wrong, a 400, not a 404.
  if (!providers.has(v.provider))
    throw new DomainError(
      'validation',
      'provider_unavailable',
      `${v.provider} payments are not available on this server`,
      {
        fields: [{ path: 'provider', message: `${v.provider} payments are not available on this server` }],
      },
    );
  const provider = providerOf(providers, v.provider);
  if (!provider.createCheckout)
    throw invalid('provider', `${v.provider} purchases start in the app store, not here`);
  const requestHash = checkoutHash(v);
  const replay = (row: CheckoutRow): Checkout => {
    if (row.request_hash !== requestHash)
      throw new DomainError(
        'conflict',
        'idempotency_key_reused',
        'this Idempotency-Key was already used for a different checkout',
      );
    // The first request with this key is still talking to the provider: retry shortly.
    if (row.status === 'pending' && !row.checkout_url)
      throw new DomainError(
        'conflict',
        'checkout_in_progress',
        'this checkout is still being started; retry',
      );
    return {
      purchase_id: row.id,
      provider: row.provider,
      redirect_url: row.checkout_url,
      client_secret: null,
    };
  };
  const findByKey = (tx: Queryable) =>
    tx
      .query<CheckoutRow>(
        `select id, status, provider, request_hash, checkout_url from public.coin_purchases
         where user_id = $1 and idempotency_key = $2`,
        [claims.sub, ctx.idempotencyKey],
      )
      .then((r) => r.rows[0]);
  const prior = await db.service('payments:start-checkout', findByKey);
  if (prior) return replay(prior);
  const pkg = await db.as(claims, async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      code: string;
      coins: string;
      prices: Record<string, number>;
    }>('select id, code, coins::text, prices from public.coin_packages where id = $1 and active', [
      v.package_id,
    ]);
    return rows[0];
  });
  if (!pkg) throw notFound('coin package');
  const amountMinor = pkg.prices[v.currency];
  if (amountMinor === undefined)
    throw invalid('currency', `package ${pkg.code} is not sold in ${v.currency}`);
  const checkoutId = `cs_${v.provider}_${randomUUID().replace(/-/g, '')}`;
  const created = await db.service('payments:start-checkout', async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `insert into public.coin_purchases (user_id, package_id, provider, status, amount_minor, currency, coins, checkout_id,
         ip, device_install_id, expected_amount_minor, expected_currency, idempotency_key, request_hash)
       values ($1, $2, $3, 'pending', $4, $5, $6, $7, $8::inet, $9, $4, $5, $10, $11)
       on conflict (user_id, idempotency_key) where idempotency_key is not null do nothing returning id`,
      [
        claims.sub,
        pkg.id,
        v.provider,
        amountMinor,
        v.currency,
        Number(pkg.coins),
        checkoutId,
        ctx.ip,
        ctx.installId,
        ctx.idempotencyKey,
        requestHash,
      ],
    );
    if (!rows[0]) return { raced: await findByKey(tx) };
    await tx.query(`select public.purchase_event($1, 'pending', null, 'checkout started')`, [rows[0].id]);
    return { id: rows[0].id };
  });
  if ('raced' in created) {
    if (!created.raced) throw providerUnavailable(v.provider);
    return replay(created.raced);
  }
  const purchaseId = created.id;
  let session: Awaited<ReturnType<NonNullable<PaymentProvider['createCheckout']>>>;
  try {
    session = await provider.createCheckout({
      purchaseId,
      checkoutId,
      userId: claims.sub,
      email: typeof claims.email === 'string' && claims.email ? claims.email : null,
      packageCode: pkg.code,
      coins: Number(pkg.coins),
      amountMinor,
      currency: v.currency,
      ip: ctx.ip,
      returnUrl: ctx.returnUrl,
    });
  } catch (err) {
    // Nothing was started at the provider that we could complete: no purchase may stay pending.
    const reason = err instanceof DomainError ? err.message : 'provider unavailable';
    await db.service('payments:start-checkout', async (tx) => {
      await tx.query(
        `update public.coin_purchases set idempotency_key = null where id = $1 and status = 'pending'`,
        [purchaseId],
      );
      await tx.query(`select public.purchase_set_status($1, 'failed', null, $2)`, [
        purchaseId,
        `checkout could not start: ${reason}`.slice(0, 300),
      ]);
    });
    if (err instanceof DomainError) throw err;
    ctx.log?.warn({ provider: v.provider, err: (err as Error).message }, 'checkout provider unavailable');
    throw providerUnavailable(v.provider);
  }
  // Providers that mint their own session id (Stripe, Iyzico): remember it so their webhook finds the purchase.
  await db.service('payments:start-checkout', (tx) =>
    tx.query('update public.coin_purchases set checkout_id = $2, checkout_url = $3 where id = $1', [
      purchaseId,
      session.checkoutId,
      session.redirectUrl,
    ]),
  );
  return {
    purchase_id: purchaseId,
    provider: v.provider,
    redirect_url: session.redirectUrl,
    client_secret: session.clientSecret,
  };
}

export async function myPurchases(db: Database, claims: JwtClaims) {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      provider: string;
      status: string;
      coins: string;
      amount_minor: string;
      currency: string;
      created_at: Date;
    }>(
      `select id, provider, status, coins::text, amount_minor::text, currency, created_at from public.coin_purchases
       where user_id = auth.uid() order by created_at desc limit 100`,
    );
    return rows.map((r) => ({
      ...r,
      coins: Number(r.coins),
      amount_minor: Number(r.amount_minor),
      created_at: iso(r.created_at)!,
    }));
  });
}

type PurchaseRef = { id: string; user_id: string; package_id: string; status: string };

async function findPurchase(
  tx: Queryable,
  provider: string,
  ev: { checkoutId?: string; purchaseId?: string; externalId?: string },
) {
  const { rows } = await tx.query<PurchaseRef>(
    `select id, user_id, package_id, status from public.coin_purchases
     where provider = $1 and ((external_id is not null and external_id = $2) or checkout_id = $3 or id::text = $4)
     limit 1`,
    [provider, ev.externalId ?? null, ev.checkoutId ?? null, ev.purchaseId ?? null],
  );
  return rows[0];
}

/** Applies one verified event; the payment_events insert and its effect commit together, so each counts once. */
async function applyEvent(tx: Queryable, provider: string, ev: PaymentEvent): Promise<string> {
  const { rows } = await tx.query<{ id: number }>(
    `insert into public.payment_events (provider, event_id, type, payload) values ($1, $2, $3, $4)
     on conflict (provider, event_id) do nothing returning id`,
    [provider, ev.eventId, ev.type, JSON.stringify(ev)],
  );
  if (!rows[0]) return 'duplicate';
  const outcome = await effect(tx, provider, ev);
  await tx.query('update public.payment_events set processed_at = now(), outcome = $2 where id = $1', [
    rows[0].id,
    outcome,
  ]);
  return outcome;
}

/** A paid provider session or payment that matches nothing: an item an admin sees, not only a log line. */
async function unmatched(
  tx: Queryable,
  provider: string,
  ev: Extract<PaymentEvent, { type: 'payment_succeeded' }>,
  userId: string | null,
  detail: string,
) {
  await tx.query('select public.reconciliation_open($1, $2, $3, $4, null, $5::uuid, $6, $7, $8, $9)', [
    'unmatched_payment',
    provider,
    ev.externalId,
    ev.checkoutId ?? null,
    userId && /^[0-9a-f-]{36}$/i.test(userId) ? userId : null,
    ev.amountMinor,
    ev.currency,
    ev.eventId,
    detail,
  ]);
  return `unmatched: ${detail}`;
}

async function effect(tx: Queryable, provider: string, ev: PaymentEvent): Promise<string> {
  switch (ev.type) {
    case 'ignored':
      return `ignored: ${ev.reason}`;
    case 'payment_failed': {
      const p = await findPurchase(tx, provider, ev);
      if (!p) return 'unknown purchase';
      if (p.status !== 'pending') return `failed (purchase already ${p.status})`;
      if (ev.retryable) {
        // The buyer may still pay in the same session: record the attempt, keep the purchase open.
        await tx.query(`select public.purchase_event($1, 'pending', $2, $3)`, [
          p.id,
          ev.eventId,
          `attempt failed: ${ev.reason}`.slice(0, 300),
        ]);
        return 'attempt failed';
      }
      await tx.query(`select public.purchase_set_status($1, 'failed', $2, $3)`, [
        p.id,
        ev.eventId,
        ev.reason.slice(0, 300),
      ]);
      return 'failed';
    }
    case 'payment_succeeded': {
      const p = await findPurchase(tx, provider, ev);
      let userId = p?.user_id ?? ev.userId;
      let packageId = p?.package_id;
      if (!packageId && ev.productId) {
        const { rows } = await tx.query<{ id: string }>(
          'select id from public.coin_packages where apple_product_id = $1 or google_product_id = $1 or code = $1 limit 1',
          [ev.productId],
        );
        packageId = rows[0]?.id;
      }
      if (!userId || !packageId)
        return unmatched(tx, provider, ev, userId ?? null, 'no purchase, user or product for this payment');
      if (!p) {
        // Store purchases name the buyer themselves; an id that is not one of our users must not 500 forever.
        const { rows: known } = await tx.query(
          'select 1 from auth.users where id::text = $1 and deleted_at is null',
          [userId],
        );
        if (!known[0]) return unmatched(tx, provider, ev, null, 'unknown user for this payment');
      }
      if (ev.userId && p && ev.userId !== p.user_id) userId = p.user_id; // the checkout we started decides
      // The purchase this payment is about (created pending for store purchases), then what the provider
      // reported against what the purchase expects: a mismatch is held for review and never credited.
      const { rows: subject } = await tx.query<{ id: string }>(
        'select id from public.fraud_purchase_subject($1, $2, $3, $4, $5, $6, $7, null, $8)',
        [
          provider,
          ev.externalId,
          userId,
          packageId,
          ev.amountMinor ?? 0,
          ev.currency ?? 'USD',
          ev.checkoutId ?? null,
          p?.id ?? null,
        ],
      );
      const purchaseId = subject[0]!.id;
      const { rows: checked } = await tx.query<{ verdict: string }>(
        'select public.purchase_check_reported($1, $2, $3, $4, $5) as verdict',
        [purchaseId, ev.externalId, ev.amountMinor, ev.currency, ev.eventId],
      );
      const verdict = checked[0]!.verdict;
      if (verdict === 'held_amount_mismatch') return 'held: amount mismatch';
      if (verdict === 'not_creditable') return 'not credited: purchase is closed';
      if (verdict === 'already_credited') {
        await recordFee(tx, purchaseId, ev);
        return 'credited';
      }
      // Fraud review next: a held purchase waits for an admin, a blocked one is never credited.
      const fraud = await assessPurchase(tx, {
        provider,
        externalId: ev.externalId,
        checkoutId: ev.checkoutId ?? null,
        purchaseId,
        userId,
        packageId,
        amountMinor: ev.amountMinor ?? 0,
        currency: ev.currency ?? 'USD',
        eventId: ev.eventId,
        cardFingerprint: (ev as { cardFingerprint?: string }).cardFingerprint ?? null,
      });
      if (fraud.outcome !== 'allow')
        return fraud.outcome === 'review' ? 'held for fraud review' : 'blocked by fraud review';
      const { rows: credit } = await tx.query<{ outcome: string }>(
        'select outcome from public.credit_coin_purchase($1, $2, $3, $4, $5, $6, $7, $8)',
        [
          provider,
          ev.externalId,
          userId,
          packageId,
          ev.amountMinor,
          ev.currency,
          ev.eventId,
          ev.checkoutId ?? null,
        ],
      );
      const outcome = credit[0]?.outcome ?? 'credited';
      if (outcome !== 'credited' && outcome !== 'already_credited') return `not credited: ${outcome}`;
      await recordFee(tx, purchaseId, ev);
      // Reversals that arrived before this payment was known apply now.
      const { rows: deferred } = await tx.query<{ id: number; payload: PaymentEvent }>(
        `select id, payload from public.payment_events where provider = $1 and outcome = 'deferred' and payload ->> 'externalId' = $2 order by id`,
        [provider, ev.externalId],
      );
      for (const d of deferred) {
        const out = await effect(tx, provider, d.payload);
        await tx.query('update public.payment_events set processed_at = now(), outcome = $2 where id = $1', [
          d.id,
          `${out} (deferred)`,
        ]);
      }
      return 'credited';
    }
    case 'refunded':
    case 'chargeback_opened':
    case 'chargeback_won': {
      const { rows } = await tx.query<{ status: string }>(
        'select status from public.coin_purchases where provider = $1 and external_id = $2',
        [provider, ev.externalId],
      );
      if (!rows[0]) return 'deferred';
      if (ev.type === 'chargeback_won') {
        await tx.query('select * from public.restore_coin_purchase($1, $2, $3)', [
          provider,
          ev.externalId,
          ev.eventId,
        ]);
        return 'restored';
      }
      const partial = ev.type === 'refunded' && ev.amountMinor !== undefined;
      await tx.query('select * from public.reverse_coin_purchase($1, $2, $3, $4, $5, $6)', [
        provider,
        ev.externalId,
        ev.type === 'refunded' ? 'refund' : 'chargeback',
        ev.eventId,
        partial ? ev.amountMinor : null,
        partial ? Boolean(ev.cumulative) : false,
      ]);
      if (ev.type !== 'refunded') return 'charged back';
      const { rows: after } = await tx.query<{ status: string }>(
        'select status from public.coin_purchases where provider = $1 and external_id = $2',
        [provider, ev.externalId],
      );
      return after[0]?.status === 'partially_refunded' ? 'partially refunded' : 'refunded';
    }
  }
}

/** The provider's fee, booked once per purchase where the provider reports it. */
async function recordFee(
  tx: Queryable,
  purchaseId: string,
  ev: Extract<PaymentEvent, { type: 'payment_succeeded' }>,
) {
  if (!ev.fee) return;
  await tx.query('select public.purchase_record_fee($1, $2, $3)', [
    purchaseId,
    ev.fee.amountMinor,
    ev.fee.currency,
  ]);
}

/**
 * Every provider's webhook enters here: verify (401 bad signature, 400 malformed), then apply each event
 * exactly once. Replays, duplicates and out-of-order deliveries are safe.
 */
export async function handleWebhook(
  db: Database,
  providers: PaymentProviders,
  name: string,
  req: WebhookRequest,
  log: Logger,
) {
  const provider = providerOf(providers, name);
  const events = await provider.parseWebhook(req);
  return applyProviderEvents(db, provider.name, events, log);
}

/**
 * Applies verified events, each exactly once. Webhooks come through handleWebhook; store purchases the app
 * submits (a signed Apple transaction, a Google purchase token) come here after their provider verified them.
 */
export async function applyProviderEvents(
  db: Database,
  provider: ProviderName,
  events: PaymentEvent[],
  log: Logger,
) {
  const outcomes: string[] = [];
  for (const ev of events) {
    const outcome = await db.service(`payments:event:${provider}`, (tx) => applyEvent(tx, provider, ev));
    log.info({ provider, event: ev.eventId, type: ev.type, outcome }, 'payment event');
    outcomes.push(outcome);
  }
  return { received: events.length, outcomes };
}

/** The local checkout page's purchase, found by its unguessable checkout id. */
export async function localCheckout(db: Database, checkoutId: string) {
  const row = await db.service('payments:local-checkout', async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      status: string;
      coins: string;
      amount_minor: string;
      currency: string;
      code: string;
    }>(
      `select p.id, p.status, p.coins::text, p.amount_minor::text, p.currency, k.code
       from public.coin_purchases p join public.coin_packages k on k.id = p.package_id
       where p.checkout_id = $1 and p.provider = 'local'`,
      [checkoutId],
    );
    return rows[0];
  });
  if (!row) throw new DomainError('not_found', 'not_found', 'checkout not found');
  return { ...row, coins: Number(row.coins), amount_minor: Number(row.amount_minor) };
}

/** Checkouts nobody paid within purchase_pending_expiry_minutes expire; they can never be credited afterwards. */
export async function expirePendingPurchases(db: Database, asOf: Date = new Date()): Promise<number> {
  return db.service('job:purchases-expire', async (tx) => {
    const { rows } = await tx.query<{ n: number }>('select public.expire_pending_purchases($1) as n', [
      asOf.toISOString(),
    ]);
    return Number(rows[0]?.n ?? 0);
  });
}
