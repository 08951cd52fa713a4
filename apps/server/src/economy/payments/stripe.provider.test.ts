import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../../test/harness.ts';
import { ledgerViolations } from '../economy.service.ts';
import { STRIPE_SIGNATURE_HEADER, StripePaymentProvider } from './stripe.provider.ts';

const SECRET_KEY = 'sk_test_51ipelyaContractTestKey000000000000000000';
const WEBHOOK_SECRET = 'whsec_ipelya_contract_test_secret';
const rand = () => randomUUID().replace(/-/g, '').slice(0, 24);
const signer = new Stripe(SECRET_KEY).webhooks;

type StripeCall = { method: string; url: URL; form: URLSearchParams; headers: Headers };

/**
 * Stripe's HTTP API, stubbed at the SDK's fetch: records each request and answers like Stripe does
 * (a Checkout Session for POST /v1/checkout/sessions, a Charge for GET /v1/charges/:id).
 */
function stripeApiStub() {
  const calls: StripeCall[] = [];
  const charges = new Map<string, { payment_intent: string }>();
  /** Stripe's fee per PaymentIntent, answered on GET /v1/payment_intents/:id (expanded balance transaction). */
  const fees = new Map<string, number>();
  const fetchStub = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const form = new URLSearchParams(typeof init?.body === 'string' ? init.body : '');
    calls.push({ method: init?.method ?? 'GET', url, form, headers: new Headers(init?.headers) });
    const reply = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json', 'request-id': `req_${rand()}` },
      });
    if (url.pathname === '/v1/checkout/sessions' && init?.method === 'POST') {
      const id = `cs_test_${rand()}`;
      return reply(200, {
        id,
        object: 'checkout.session',
        mode: 'payment',
        status: 'open',
        payment_status: 'unpaid',
        amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
        currency: form.get('line_items[0][price_data][currency]'),
        client_reference_id: form.get('client_reference_id'),
        payment_intent: null,
        url: `https://checkout.stripe.com/c/pay/${id}`,
      });
    }
    const intent = url.pathname.match(/^\/v1\/payment_intents\/([^/]+)$/)?.[1];
    if (intent && fees.has(intent))
      return reply(200, {
        id: intent,
        object: 'payment_intent',
        latest_charge: {
          id: `ch_${rand()}`,
          object: 'charge',
          balance_transaction: {
            id: `txn_${rand()}`,
            object: 'balance_transaction',
            currency: 'usd',
            fee: fees.get(intent),
          },
        },
      });
    const charge = url.pathname.match(/^\/v1\/charges\/([^/]+)$/)?.[1];
    if (charge && charges.has(charge))
      return reply(200, { id: charge, object: 'charge', refunded: false, ...charges.get(charge) });
    return reply(404, {
      error: { type: 'invalid_request_error', message: `no stub for ${init?.method} ${url.pathname}` },
    });
  }) as typeof fetch;
  return { calls, charges, fees, fetch: fetchStub };
}

// Event envelopes and objects as in Stripe's API reference (docs.stripe.com/api/events/object,
// /api/checkout/sessions/object, /api/charges/object, /api/disputes/object), trimmed to realistic fields.
const event = (type: string, object: Record<string, unknown>) => ({
  id: `evt_${rand()}`,
  object: 'event',
  api_version: '2026-10-28.endive',
  created: Math.floor(Date.now() / 1000),
  data: { object },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type,
});
const session = (
  co: { sessionId: string; purchaseId: string; checkoutId: string },
  paymentIntent: string,
  over: Record<string, unknown> = {},
) => ({
  id: co.sessionId,
  object: 'checkout.session',
  amount_subtotal: 999,
  amount_total: 999,
  client_reference_id: co.purchaseId,
  currency: 'usd',
  customer_details: { email: 'buyer@example.com', name: null },
  livemode: false,
  metadata: { purchase_id: co.purchaseId, checkout_id: co.checkoutId },
  mode: 'payment',
  payment_intent: paymentIntent,
  payment_status: 'paid',
  status: 'complete',
  url: null,
  ...over,
});
const charge = (paymentIntent: string, over: Record<string, unknown> = {}) => ({
  id: `ch_${rand()}`,
  object: 'charge',
  amount: 999,
  amount_captured: 999,
  amount_refunded: 999,
  captured: true,
  currency: 'usd',
  paid: true,
  payment_intent: paymentIntent,
  refunded: true,
  status: 'succeeded',
  ...over,
});
const dispute = (paymentIntent: string | null, status: string, chargeId = `ch_${rand()}`) => ({
  id: `du_${rand()}`,
  object: 'dispute',
  amount: 999,
  balance_transactions: [],
  charge: chargeId,
  currency: 'usd',
  is_charge_refundable: false,
  livemode: false,
  metadata: {},
  payment_intent: paymentIntent,
  reason: 'fraudulent',
  status,
});

describe.each(dbTargets())('Stripe payments (%s)', (target) => {
  let server: TestServer;
  let packageId: string;
  let api: ReturnType<typeof stripeApiStub>;

  const webhook = (body: unknown, signature?: string | null) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signature !== null)
      headers[STRIPE_SIGNATURE_HEADER] =
        signature ?? signer.generateTestHeaderString({ payload: raw, secret: WEBHOOK_SECRET });
    return fetch(`${server.url}/webhooks/stripe`, { method: 'POST', headers, body: raw }).then(
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
      async (r) => ({ status: r.status, json: (await r.json()) as Record<string, any> }),
    );
  };
  const balance = async (u: TestUser) =>
    (await call(server, 'GET', '/api/wallet', u.accessToken())).json.balance as number;
  const purchases = async (u: TestUser) =>
    (await call(server, 'GET', '/api/purchases', u.accessToken())).json.items as { status: string }[];
  const checkout = async (u: TestUser) => {
    const before = api.calls.length;
    const r = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      u.accessToken(),
      {
        package_id: packageId,
        provider: 'stripe',
        currency: 'USD',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(r.status).toBe(200);
    expect(api.calls).toHaveLength(before + 1);
    const sent = api.calls.at(-1)!;
    const sessionId = new URL(r.json.redirect_url).pathname.split('/').pop()!;
    return {
      purchaseId: r.json.purchase_id as string,
      sessionId,
      checkoutId: sent.form.get('metadata[checkout_id]')!,
      redirectUrl: r.json.redirect_url as string,
      sent,
    };
  };

  beforeAll(async () => {
    server = await startTestServer(target, {
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    // The registry built the real provider from the env; swap in one whose HTTP goes to the stub.
    expect(server.payments.get('stripe')).toBeInstanceOf(StripePaymentProvider);
    expect(server.payments.get('stripe')?.configured).toBe(true);
    api = stripeApiStub();
    server.payments.set(
      'stripe',
      new StripePaymentProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, fetch: api.fetch }),
    );
    packageId = await server.db.service('test:package', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_packages (code, coins, prices) values ('coins_550', 550, '{"USD": 999, "TRY": 34999}') returning id`,
      );
      return rows[0]!.id;
    });
  });
  afterEach(async () => {
    expect(await ledgerViolations(server.db)).toEqual([]);
  });
  afterAll(() => server?.dispose());

  it('creates a Checkout Session for the purchase and credits it on checkout.session.completed', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    expect(co.redirectUrl).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
    // What the SDK sent to Stripe.
    expect(co.sent.method).toBe('POST');
    expect(co.sent.url.origin + co.sent.url.pathname).toBe('https://api.stripe.com/v1/checkout/sessions');
    expect(co.sent.headers.get('authorization')).toBe(`Bearer ${SECRET_KEY}`);
    expect(co.sent.headers.get('idempotency-key')).toBe(`checkout:${co.purchaseId}`);
    const f = Object.fromEntries(co.sent.form);
    expect(f).toMatchObject({
      mode: 'payment',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][unit_amount]': '999',
      'line_items[0][price_data][product_data][name]': '550 coins',
      client_reference_id: co.purchaseId,
      'metadata[purchase_id]': co.purchaseId,
      'payment_intent_data[metadata][purchase_id]': co.purchaseId,
    });
    expect(f['metadata[checkout_id]']).toMatch(/^cs_stripe_/);
    expect(new URL(f.success_url!).searchParams.get('purchase_id')).toBe(co.purchaseId);
    expect(new URL(f.success_url!).searchParams.get('result')).toBe('success');
    expect(new URL(f.cancel_url!).searchParams.get('result')).toBe('cancelled');
    expect((await purchases(u))[0]).toMatchObject({ status: 'pending', amount_minor: 999, currency: 'USD' });

    const pi = `pi_${rand()}`;
    // Stripe sends both; only the session credits (see mapEvent), so the intent is recorded as ignored.
    const succeeded = await webhook(
      event('payment_intent.succeeded', { id: pi, object: 'payment_intent', status: 'succeeded' }),
    );
    expect(succeeded.json.outcomes[0]).toMatch(/^ignored/);
    expect(await balance(u)).toBe(0);
    const done = await webhook(event('checkout.session.completed', session(co, pi)));
    expect(done.status).toBe(200);
    expect(done.json.outcomes).toEqual(['credited']);
    expect(await balance(u)).toBe(550);
    const row = await server.db.driver.query<{ external_id: string; checkout_id: string; status: string }>(
      'select external_id, checkout_id, status from coin_purchases where id = $1',
      [co.purchaseId],
    );
    expect(row.rows[0]).toEqual({ external_id: pi, checkout_id: co.sessionId, status: 'succeeded' });
  });

  it('never credits an amount or currency other than the package price, and books Stripe’s fee', async () => {
    const u = await signIn(server);
    const cheap = await checkout(u);
    const low = await webhook(
      event('checkout.session.completed', session(cheap, `pi_${rand()}`, { amount_total: 1 })),
    );
    expect(low.json.outcomes).toEqual(['held: amount mismatch']);
    const lira = await checkout(u);
    const wrong = await webhook(
      event(
        'checkout.session.completed',
        session(lira, `pi_${rand()}`, { currency: 'try', amount_total: 999 }),
      ),
    );
    expect(wrong.json.outcomes).toEqual(['held: amount mismatch']);
    expect(await balance(u)).toBe(0);
    const held = await server.db.driver.query<{ status: string; hold_reason: string }>(
      'select status, hold_reason from coin_purchases where id = any($1)',
      [[cheap.purchaseId, lira.purchaseId]],
    );
    expect(held.rows).toEqual([
      { status: 'held', hold_reason: 'amount_mismatch' },
      { status: 'held', hold_reason: 'amount_mismatch' },
    ]);
    // The right amount credits, and the fee Stripe kept (59 cents) is booked once.
    const good = await checkout(u);
    const pi = `pi_${rand()}`;
    api.fees.set(pi, 59);
    expect((await webhook(event('checkout.session.completed', session(good, pi)))).json.outcomes).toEqual([
      'credited',
    ]);
    await webhook(event('checkout.session.completed', session(good, pi)));
    expect(await balance(u)).toBe(550);
    const fee = await server.db.driver.query<{ fee_minor: string; booked: string }>(
      `select p.fee_minor::text, (select sum(e.amount)::text from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
         join ledger_accounts a on a.id = e.account_id where t.kind = 'provider_fee' and a.kind = 'provider_fees'
           and t.meta ->> 'purchase_id' = p.id::text) as booked
         from coin_purchases p where p.id = $1`,
      [good.purchaseId],
    );
    expect(fee.rows[0]).toEqual({ fee_minor: '59', booked: '59' });
  });

  it('counts replayed and duplicated deliveries once', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const pi = `pi_${rand()}`;
    const body = JSON.stringify(event('checkout.session.completed', session(co, pi)));
    const results = await Promise.all(Array.from({ length: 6 }, () => webhook(body)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(results.filter((r) => r.json.outcomes[0] === 'credited')).toHaveLength(1);
    // Stripe resending the same payment under a new event id: the PaymentIntent still credits once.
    await webhook(event('checkout.session.completed', session(co, pi)));
    expect(await balance(u)).toBe(550);
  });

  it('waits for async payments, fails expired checkouts and keeps a declined attempt open', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const pi = `pi_${rand()}`;
    const pending = await webhook(
      event('checkout.session.completed', session(co, pi, { payment_status: 'unpaid' })),
    );
    expect(pending.json.outcomes[0]).toMatch(/^ignored/);
    expect(await balance(u)).toBe(0);
    await webhook(event('checkout.session.async_payment_succeeded', session(co, pi)));
    expect(await balance(u)).toBe(550);

    const expired = await checkout(u);
    await webhook(
      event(
        'checkout.session.expired',
        session(expired, `pi_${rand()}`, { status: 'expired', payment_status: 'unpaid' }),
      ),
    );
    const declined = await checkout(u);
    const r = await webhook(
      event('payment_intent.payment_failed', {
        id: `pi_${rand()}`,
        object: 'payment_intent',
        status: 'requires_payment_method',
        metadata: { purchase_id: declined.purchaseId, checkout_id: declined.checkoutId },
        last_payment_error: { code: 'card_declined', message: 'Your card was declined.' },
      }),
    );
    // A declined card is one attempt: the session stays open, so the purchase stays pending (a failed purchase
    // could never be credited).
    expect(r.json.outcomes).toEqual(['attempt failed']);
    const statuses = await server.db.driver.query<{ id: string; status: string; updated_reason: string }>(
      'select id, status, updated_reason from coin_purchases where id = any($1)',
      [[expired.purchaseId, declined.purchaseId]],
    );
    expect(Object.fromEntries(statuses.rows.map((x) => [x.id, [x.status, x.updated_reason]]))).toEqual({
      [expired.purchaseId]: ['failed', 'checkout expired'],
      [declined.purchaseId]: ['pending', null],
    });
    // The buyer retries with another card in the same session: it still credits.
    await webhook(event('checkout.session.completed', session(declined, `pi_${rand()}`)));
    expect(await balance(u)).toBe(1100);
  });

  it('partial and full refunds after spending debit in proportion and claw back pending creator earnings', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const pi = `pi_${rand()}`;
    await webhook(event('checkout.session.completed', session(co, pi)));
    // Spend 500 of the 550 coins on a tip.
    const creator = await signIn(server);
    await makeCreator(creator);
    const creatorId = (await creator.api.me()).real_profile!.id;
    const tip = (amount: number) =>
      fetch(`${server.url}/api/tips`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${u.accessToken()}`,
          'content-type': 'application/json',
          'idempotency-key': `k-${randomUUID()}`,
        },
        body: JSON.stringify({ creator_id: creatorId, amount }),
      });
    expect((await tip(500)).status).toBe(200);
    expect(await balance(u)).toBe(50);
    // A partial refund (300 of 999) debits ceil(550 × 300 / 999) = 166 coins. Only 50 were left, so 116 of them
    // were spent: they are clawed back from the creator's pending tip earnings, and the wallet ends at 0.
    const partial = await webhook(
      event('charge.refunded', charge(pi, { amount_refunded: 300, refunded: false })),
    );
    expect(partial.json.outcomes).toEqual(['partially refunded']);
    expect(await balance(u)).toBe(0);
    expect((await purchases(u))[0]!.status).toBe('partially_refunded');
    // The same running total again (a redelivery under a new event id) debits nothing more.
    await webhook(event('charge.refunded', charge(pi, { amount_refunded: 300, refunded: false })));
    expect(await balance(u)).toBe(0);
    const refund = await webhook(event('charge.refunded', charge(pi)));
    expect(refund.json.outcomes).toEqual(['refunded']);
    expect((await purchases(u))[0]!.status).toBe('refunded');
    // 550 coins came back in all; the 500-coin tip was clawed back whole: creator 400, platform its 100 fee.
    expect(await balance(u)).toBe(0);
    const earnings = (await call(server, 'GET', '/api/earnings', creator.accessToken())).json;
    expect(earnings.pending).toBe(0);
    const moved = await server.db.driver.query<{ n: string; coins: string; creator: string }>(
      `select count(*)::text as n, sum(c.coins)::text as coins, sum(c.creator_coins)::text as creator
         from purchase_clawbacks c join coin_purchases p on p.id = c.purchase_id where p.user_id = $1`,
      [u.userId],
    );
    expect(moved.rows[0]).toEqual({ n: '2', coins: '500', creator: '400' });
    // Spending first and refunding after is what review looks for: the account goes to fraud review.
    const fraud = await server.db.driver.query<{ outcome: string }>(
      `select outcome from fraud_cases where user_id = $1 and reasons::text like '%debt_after_refund%'`,
      [u.userId],
    );
    expect(fraud.rows.map((r) => r.outcome)).toEqual(['review', 'review']);
    // A replayed refund does not take the coins twice.
    await webhook(event('charge.refunded', charge(pi)));
    expect(await balance(u)).toBe(0);
  });

  it('takes coins back on a dispute and returns them when it is won; a lost dispute changes nothing', async () => {
    const u = await signIn(server);
    const won = await checkout(u);
    const pi = `pi_${rand()}`;
    await webhook(event('checkout.session.completed', session(won, pi)));
    const opened = await webhook(event('charge.dispute.created', dispute(pi, 'needs_response')));
    expect(opened.json.outcomes).toEqual(['charged back']);
    expect(await balance(u)).toBe(0);
    await webhook(event('charge.dispute.closed', dispute(pi, 'won')));
    expect(await balance(u)).toBe(550);

    const lost = await checkout(u);
    const pi2 = `pi_${rand()}`;
    await webhook(event('checkout.session.completed', session(lost, pi2)));
    await webhook(event('charge.dispute.created', dispute(pi2, 'needs_response')));
    const closed = await webhook(event('charge.dispute.closed', dispute(pi2, 'lost')));
    expect(closed.json.outcomes[0]).toMatch(/^ignored: dispute closed lost/);
    expect(await balance(u)).toBe(550);

    // A dispute whose payment_intent is null (documented as nullable): the charge names it.
    const legacy = await checkout(u);
    const pi3 = `pi_${rand()}`;
    await webhook(event('checkout.session.completed', session(legacy, pi3)));
    const chargeId = `ch_${rand()}`;
    api.charges.set(chargeId, { payment_intent: pi3 });
    const viaCharge = await webhook(
      event('charge.dispute.created', dispute(null, 'needs_response', chargeId)),
    );
    expect(viaCharge.json.outcomes).toEqual(['charged back']);
    expect(api.calls.at(-1)!.url.pathname).toBe(`/v1/charges/${chargeId}`);
    expect(await balance(u)).toBe(550);
  });

  it('rejects a wrong signature, a delivery outside the tolerance window and a malformed body', async () => {
    const body = JSON.stringify(event('charge.refunded', charge(`pi_${rand()}`)));
    const wrongSecret = signer.generateTestHeaderString({ payload: body, secret: 'whsec_someone_else' });
    const wrong = await webhook(body, wrongSecret);
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('invalid_signature');
    const stale = await webhook(
      body,
      signer.generateTestHeaderString({
        payload: body,
        secret: WEBHOOK_SECRET,
        timestamp: Math.floor(Date.now() / 1000) - 301 - 5,
      }),
    );
    expect(stale.status).toBe(401);
    expect(stale.json.error.message).toMatch(/tolerance/);
    const tampered = await webhook(
      body.replace('"refunded":true', '"refunded":false'),
      signer.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET }),
    );
    expect(tampered.status).toBe(401);
    expect((await webhook(body, null)).status).toBe(401);
    const notJson = await webhook('{"id": "evt_1", ');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.code).toBe('malformed_webhook');
    const badShape = await webhook(
      event('checkout.session.completed', { id: 'cs_x', object: 'checkout.session' }),
    );
    expect(badShape.status).toBe(400);
    const notEvent = await webhook({ id: 'evt_x', object: 'charge' });
    expect(notEvent.status).toBe(400);
    // Nothing of the rejected deliveries was recorded.
    const recorded = await server.db.driver.query<{ n: string }>(
      `select count(*)::text as n from payment_events where provider = 'stripe' and event_id in ('evt_1', 'evt_x')`,
    );
    expect(recorded.rows[0]!.n).toBe('0');
  });

  it('ignores events it does not handle, and records them once', async () => {
    const ev = event('customer.created', { id: `cus_${rand()}`, object: 'customer' });
    const r = await webhook(ev);
    expect(r.json.outcomes).toEqual(['ignored: unhandled event type customer.created']);
    expect((await webhook(ev)).json.outcomes).toEqual(['duplicate']);
  });
});

describe('Stripe without keys', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { STRIPE_SECRET_KEY: SECRET_KEY });
  });
  afterAll(() => server?.dispose());

  it('answers 503 provider_not_configured for the webhook and checkout', async () => {
    expect(server.payments.get('stripe')?.configured).toBe(false);
    const body = JSON.stringify(event('customer.created', { id: 'cus_1', object: 'customer' }));
    const hook = await fetch(`${server.url}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        [STRIPE_SIGNATURE_HEADER]: signer.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET }),
      },
      body,
    });
    expect(hook.status).toBe(503);
    expect(((await hook.json()) as { error: { code: string } }).error.code).toBe('provider_not_configured');
    const u = await signIn(server);
    const packageId = await server.db.service('test:package', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_packages (code, coins, prices) values ('coins_100', 100, '{"USD": 199}') returning id`,
      );
      return rows[0]!.id;
    });
    const co = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      u.accessToken(),
      {
        package_id: packageId,
        provider: 'stripe',
        currency: 'USD',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(co.status).toBe(503);
    expect(co.json.error.code).toBe('provider_not_configured');
    expect((await call(server, 'GET', '/api/purchases', u.accessToken())).json.items).toEqual([]);
  });
});
