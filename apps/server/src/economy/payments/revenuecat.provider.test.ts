import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dbTargets,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../../test/harness.ts';
import { ledgerViolations } from '../economy.service.ts';
import { RevenueCatPaymentProvider, toMinorUnits } from './revenuecat.provider.ts';

const AUTH = 'Bearer rc_whk_ipelya_contract_test_0123456789';
const APPLE_PRODUCT = 'com.ipelya.coins.550';
const GOOGLE_PRODUCT = 'ipelya_coins_550';

/**
 * Webhook bodies in the layout of RevenueCat's documented samples (docs: integrations/webhooks/sample-events,
 * "Non Renewing Purchase", "Initial Purchase" and the CUSTOMER_SUPPORT cancellation used for refunds).
 */
const purchase = (over: Record<string, unknown>) => ({
  event: {
    event_timestamp_ms: Date.now(),
    product_id: APPLE_PRODUCT,
    period_type: 'NORMAL',
    purchased_at_ms: Date.now() - 3000,
    expiration_at_ms: null,
    environment: 'PRODUCTION',
    entitlement_id: null,
    entitlement_ids: [],
    presented_offering_id: 'coins',
    transaction_id: String(Math.floor(Math.random() * 1e15)),
    original_transaction_id: '123456789012345',
    is_family_share: false,
    country_code: 'CA',
    app_user_id: '1234567890',
    aliases: ['$RCAnonymousID:8069238d6049ce87cc529853916d624c'],
    original_app_user_id: '$RCAnonymousID:87c6049c58069238dce29853916d624c',
    currency: 'CAD',
    price: 25.487,
    price_in_purchased_currency: 32.99,
    subscriber_attributes: { $email: { updated_at_ms: 1662955084635, value: 'firstlast@gmail.com' } },
    store: 'APP_STORE',
    takehome_percentage: 0.85,
    tax_percentage: 0.0,
    commission_percentage: 0.15,
    offer_code: null,
    type: 'NON_RENEWING_PURCHASE',
    id: randomUUID().toUpperCase(),
    app_id: '1234567890',
    ...over,
  },
  api_version: '1.0',
});
const refund = (of: ReturnType<typeof purchase>, over: Record<string, unknown> = {}) =>
  purchase({
    ...of.event,
    event_timestamp_ms: Date.now(),
    id: randomUUID().toUpperCase(),
    type: 'CANCELLATION',
    cancel_reason: 'CUSTOMER_SUPPORT',
    price: -of.event.price,
    price_in_purchased_currency: -of.event.price_in_purchased_currency,
    ...over,
  });

describe.each(dbTargets())('RevenueCat webhooks (%s)', (target) => {
  let server: TestServer;
  let packageId: string;

  const webhook = (body: unknown, authorization: string | null = AUTH) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization !== null) headers.authorization = authorization;
    return fetch(`${server.url}/webhooks/revenuecat`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, any> }));
  };
  const balance = async (u: TestUser) =>
    (await call(server, 'GET', '/api/wallet', u.accessToken())).json.balance as number;

  beforeAll(async () => {
    server = await startTestServer(target, { REVENUECAT_WEBHOOK_AUTH: AUTH });
    packageId = await server.db.service('test:package', async (tx) => {
      await tx.query(
        `insert into coin_packages (code, coins, prices, apple_product_id, google_product_id)
         values ('coins_100', 100, '{"USD": 199}', 'com.ipelya.coins.100', 'ipelya_coins_100')`,
      );
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_packages (code, coins, prices, apple_product_id, google_product_id)
         values ('coins_550', 550, '{"USD": 999}', $1, $2) returning id`,
        [APPLE_PRODUCT, GOOGLE_PRODUCT],
      );
      return rows[0]!.id;
    });
  });
  afterEach(async () => {
    expect(await ledgerViolations(server.db)).toEqual([]);
  });
  afterAll(() => server?.dispose());

  it('credits a NON_RENEWING_PURCHASE to the app user and the package of its store product', async () => {
    const u = await signIn(server);
    const bystander = await signIn(server);
    const ev = purchase({ app_user_id: u.userId });
    const r = await webhook(ev);
    expect(r.status).toBe(200);
    expect(r.json.outcomes).toEqual(['credited']);
    expect(await balance(u)).toBe(550);
    expect(await balance(bystander)).toBe(0);
    const rows = await server.db.driver.query(
      `select user_id, package_id, provider, external_id, status, amount_minor::int as amount_minor, currency
       from coin_purchases where user_id = $1`,
      [u.userId],
    );
    expect(rows.rows).toEqual([
      {
        user_id: u.userId,
        package_id: packageId,
        provider: 'revenuecat',
        external_id: `APP_STORE:${ev.event.transaction_id}`,
        status: 'succeeded',
        amount_minor: 3299,
        currency: 'CAD',
      },
    ]);
  });

  it('credits a Play Store INITIAL_PURCHASE once, however often it is delivered', async () => {
    const u = await signIn(server);
    const ev = purchase({
      type: 'INITIAL_PURCHASE',
      store: 'PLAY_STORE',
      product_id: GOOGLE_PRODUCT,
      transaction_id: `GPA.${randomUUID()}`,
      app_user_id: u.userId.toUpperCase(),
      currency: 'TRY',
      price_in_purchased_currency: 349.99,
    });
    const results = await Promise.all(Array.from({ length: 6 }, () => webhook(ev)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(results.filter((r) => r.json.outcomes[0] === 'credited')).toHaveLength(1);
    // The same transaction under a new event id still counts once.
    await webhook(purchase({ ...ev.event, id: randomUUID() }));
    expect(await balance(u)).toBe(550);
    const row = await server.db.driver.query<{ amount_minor: string }>(
      'select amount_minor::text from coin_purchases where user_id = $1',
      [u.userId],
    );
    expect(row.rows).toEqual([{ amount_minor: '34999' }]);
  });

  it('reverses a refunded purchase (CANCELLATION with CUSTOMER_SUPPORT), also when it arrives first', async () => {
    const u = await signIn(server);
    const bought = purchase({ app_user_id: u.userId });
    await webhook(bought);
    const unsubscribe = await webhook(refund(bought, { cancel_reason: 'UNSUBSCRIBE' }));
    expect(unsubscribe.json.outcomes).toEqual(['ignored: cancellation UNSUBSCRIBE']);
    expect(await balance(u)).toBe(550);
    const refunded = refund(bought);
    expect((await webhook(refunded)).json.outcomes).toEqual(['refunded']);
    expect(await balance(u)).toBe(0);
    expect((await webhook(refunded)).json.outcomes).toEqual(['duplicate']);
    expect(await balance(u)).toBe(0);

    // Out of order: the refund is held until its purchase arrives, then both apply.
    const later = purchase({ app_user_id: u.userId });
    expect((await webhook(refund(later))).json.outcomes).toEqual(['deferred']);
    expect((await webhook(later)).json.outcomes).toEqual(['credited']);
    expect(await balance(u)).toBe(0);
    const statuses = await server.db.driver.query<{ status: string }>(
      'select status from coin_purchases where user_id = $1',
      [u.userId],
    );
    expect(statuses.rows.map((r) => r.status)).toEqual(['refunded', 'refunded']);
  });

  it('records purchases it cannot attribute without crediting anyone', async () => {
    const anonymous = await webhook(purchase({}));
    expect(anonymous.status).toBe(200);
    expect(anonymous.json.outcomes[0]).toMatch(/^unmatched/);
    const u = await signIn(server);
    const unknownProduct = await webhook(
      purchase({ app_user_id: u.userId, product_id: 'com.other.app.pro' }),
    );
    expect(unknownProduct.json.outcomes[0]).toMatch(/^unmatched/);
    expect(await balance(u)).toBe(0);
    const test = await webhook(purchase({ type: 'TEST', app_user_id: u.userId }));
    expect(test.json.outcomes).toEqual(['ignored: unhandled event type TEST']);
    expect(await balance(u)).toBe(0);
  });

  it('rejects a wrong or missing authorization header and a malformed body', async () => {
    const u = await signIn(server);
    const ev = purchase({ app_user_id: u.userId });
    const wrong = await webhook(ev, `${AUTH}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('invalid_signature');
    expect((await webhook(ev, AUTH.slice(0, -1))).status).toBe(401);
    expect((await webhook(ev, null)).status).toBe(401);
    const notJson = await webhook('{"event": ');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.code).toBe('malformed_webhook');
    expect((await webhook({ api_version: '1.0' })).status).toBe(400);
    const noTransaction = purchase({ app_user_id: u.userId, transaction_id: null });
    expect((await webhook(noTransaction)).status).toBe(400);
    expect(await balance(u)).toBe(0);
  });
});

describe('RevenueCat provider', () => {
  const provider = (allowSandbox: boolean) =>
    new RevenueCatPaymentProvider({ authorization: AUTH, allowSandbox });
  const parse = (p: RevenueCatPaymentProvider, body: unknown) =>
    p.parseWebhook({
      headers: new Headers({ authorization: AUTH }),
      rawBody: JSON.stringify(body),
      query: {},
    });

  it('credits sandbox purchases only when allowed (off in production by default)', async () => {
    const sandbox = purchase({ environment: 'SANDBOX', app_user_id: randomUUID() });
    expect((await parse(provider(false), sandbox))[0]).toMatchObject({ type: 'ignored' });
    expect((await parse(provider(true), sandbox))[0]).toMatchObject({ type: 'payment_succeeded' });
  });

  it('converts prices to ISO 4217 minor units', async () => {
    expect(toMinorUnits(32.99, 'CAD')).toBe(3299);
    expect(toMinorUnits(4.99, 'USD')).toBe(499);
    expect(toMinorUnits(349.99, 'TRY')).toBe(34999);
    expect(toMinorUnits(480, 'JPY')).toBe(480);
    expect(toMinorUnits(1.234, 'KWD')).toBe(1234);
    expect(toMinorUnits(-9.99, 'USD')).toBe(0);
    const [ev] = await parse(
      provider(true),
      purchase({ app_user_id: randomUUID(), currency: 'JPY', price_in_purchased_currency: 1500 }),
    );
    expect(ev).toMatchObject({ amountMinor: 1500, currency: 'JPY' });
    // No local price known: RevenueCat's USD `price` is an estimate, not a charge, so no amount is reported
    // (the product id ↔ package mapping is the check, decision 013).
    const [usd] = await parse(
      provider(true),
      purchase({ app_user_id: randomUUID(), currency: null, price_in_purchased_currency: null, price: 7.5 }),
    );
    expect(usd).toMatchObject({ amountMinor: null, currency: null });
  });
});

describe('RevenueCat without a configured secret', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(() => server?.dispose());

  it('answers 503 provider_not_configured', async () => {
    const r = await fetch(`${server.url}/webhooks/revenuecat`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(purchase({})),
    });
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('provider_not_configured');
  });
});
