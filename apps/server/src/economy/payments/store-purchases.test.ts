import { randomUUID } from 'node:crypto';
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
import { AppleIapProvider } from './apple.provider.ts';
import { GooglePlayProvider } from './google.provider.ts';
import type { PaymentProvider } from './provider.ts';
import {
  type ApplePki,
  appleNotification,
  applePki,
  appleTransaction,
  BUNDLE_ID,
  fakeGoogle,
  JWKS_URL,
  PACKAGE,
  PUBSUB_AUDIENCE,
  PUSH_SA,
  rtdnPush,
} from './store-purchases.fixtures.ts';

const APPLE_PRODUCT = 'com.ipelya.coins.550';
const GOOGLE_PRODUCT = 'coins_550';

describe.each(dbTargets())('store purchases: Apple and Google (%s)', (target) => {
  let server: TestServer;
  let pki: ApplePki;
  let google: Awaited<ReturnType<typeof fakeGoogle>>;
  /** What the DB said about the purchase at the moment Google was asked to consume it. */
  const statusAtConsume = new Map<string, string | undefined>();
  let creator: TestUser;
  let creatorId: string;

  const balance = async (u: TestUser) =>
    (await call(server, 'GET', '/api/wallet', u.accessToken())).json.balance as number;
  const raw = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    })
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
      .then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, any> }));
  const appleBuy = (u: TestUser, signed: string) =>
    call(server, 'POST', '/api/purchases/apple', u.accessToken(), { signed_transaction: signed });
  const appleNotify = async (n: object) =>
    raw('/webhooks/apple', JSON.stringify({ signedPayload: await pki.sign(n) }));
  const googleBuy = (u: TestUser, token: string, productId = GOOGLE_PRODUCT) =>
    call(server, 'POST', '/api/purchases/google', u.accessToken(), {
      product_id: productId,
      purchase_token: token,
    });
  const googlePush = async (notification: object, messageId?: string) =>
    raw('/webhooks/google', rtdnPush(notification, messageId), {
      authorization: `Bearer ${await google.pushToken()}`,
    });
  const tip = (u: TestUser, amount: number) =>
    fetch(`${server.url}/api/tips`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${u.accessToken()}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ creator_id: creatorId, amount }),
    });

  beforeAll(async () => {
    server = await startTestServer(target);
    pki = applePki();
    google = await fakeGoogle({
      onConsume: async (token) => {
        const orderId = google.purchases.get(token)?.orderId;
        const { rows } = await server.db.driver.query<{ status: string }>(
          `select status from coin_purchases where provider = 'google' and external_id = $1`,
          [`google:${orderId}`],
        );
        statusAtConsume.set(token, rows[0]?.status);
      },
    });
    // Providers as env would build them, with the test PKI / fake Google injected (the registry is shared by reference).
    server.payments.set(
      'apple',
      new AppleIapProvider({
        bundleId: BUNDLE_ID,
        environment: 'Sandbox',
        rootCertificates: pki.roots,
        onlineChecks: false,
      }),
    );
    server.payments.set(
      'google',
      new GooglePlayProvider({
        packageName: PACKAGE,
        serviceAccount: google.serviceAccount,
        pubsubAudience: PUBSUB_AUDIENCE,
        pubsubServiceAccountEmail: PUSH_SA,
        jwksUrl: JWKS_URL,
        fetch: google.fetch,
      }),
    );
    await server.db.service('test:package', (tx) =>
      tx.query(
        `insert into coin_packages (code, coins, prices, apple_product_id, google_product_id)
         values ('coins_550', 550, '{"USD": 999, "TRY": 34999}', $1, $2)`,
        [APPLE_PRODUCT, GOOGLE_PRODUCT],
      ),
    );
    creator = await signIn(server);
    await makeCreator(creator);
    creatorId = (await creator.api.me()).real_profile!.id;
  });
  afterEach(async () => {
    expect(await ledgerViolations(server.db)).toEqual([]);
  });
  afterAll(() => server?.dispose());

  describe('Apple', () => {
    it('credits a signed transaction once: concurrent submissions, replays and the ONE_TIME_CHARGE notification', async () => {
      const u = await signIn(server);
      const tx = appleTransaction({ appAccountToken: u.userId });
      const signed = await pki.sign(tx);
      const results = await Promise.all(Array.from({ length: 6 }, () => appleBuy(u, signed)));
      expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
      expect(results.filter((r) => r.json.credited)).toHaveLength(1);
      expect(results[0]!.json.purchase).toMatchObject({
        provider: 'apple',
        status: 'succeeded',
        coins: 550,
        amount_minor: 34_999,
        currency: 'TRY',
      });
      const note = await appleNotify(appleNotification('ONE_TIME_CHARGE', signed));
      expect(note.status).toBe(200);
      expect(note.json.outcomes).toEqual(['credited']); // credit_coin_purchase replays: same transaction id
      expect((await appleBuy(u, signed)).json.credited).toBe(false);
      expect(await balance(u)).toBe(550);
      const { rows } = await server.db.driver.query<{ n: string }>(
        `select count(*)::text as n from coin_purchases where provider = 'apple' and external_id = $1`,
        [`apple:${tx.transactionId}`],
      );
      expect(rows[0]!.n).toBe('1');
    });

    it('a notification that arrives first credits the account named by appAccountToken', async () => {
      const u = await signIn(server);
      const signed = await pki.sign(appleTransaction({ appAccountToken: u.userId }));
      const n = appleNotification('ONE_TIME_CHARGE', signed);
      expect((await appleNotify(n)).json.outcomes).toEqual(['credited']);
      expect((await appleNotify(n)).json.outcomes).toEqual(['duplicate']); // Apple retries the same notification
      expect((await appleBuy(u, signed)).json).toMatchObject({
        credited: false,
        purchase: { status: 'succeeded' },
      });
      expect(await balance(u)).toBe(550);
    });

    it("refuses another account's transaction (403) and credits nobody", async () => {
      const victim = await signIn(server);
      const thief = await signIn(server);
      const signed = await pki.sign(appleTransaction({ appAccountToken: victim.userId }));
      const r = await appleBuy(thief, signed);
      expect(r.status).toBe(403);
      expect(r.json.error.code).toBe('purchase_account_mismatch');
      expect(await balance(thief)).toBe(0);
      expect(await balance(victim)).toBe(0);
      expect(
        (await call(server, 'POST', '/api/purchases/apple', null, { signed_transaction: signed })).status,
      ).toBe(401);
    });

    it('REFUND reverses the credit and claws back the spent coins from pending earnings', async () => {
      const u = await signIn(server);
      const signed = await pki.sign(appleTransaction({ appAccountToken: u.userId }));
      await appleBuy(u, signed);
      expect((await tip(u, 500)).status).toBe(200);
      expect(await balance(u)).toBe(50);
      const refund = appleNotification('REFUND', signed);
      expect((await appleNotify(refund)).json.outcomes).toEqual(['refunded']);
      expect((await appleNotify(appleNotification('REFUND', signed))).json.outcomes).toEqual(['refunded']);
      // The 500 spent coins went to a tip still in its hold period: they are clawed back, so no debt remains.
      expect(await balance(u)).toBe(0);
      const items = (await call(server, 'GET', '/api/purchases', u.accessToken())).json.items;
      expect(items[0].status).toBe('refunded');
      const fraud = await server.db.driver.query<{ reasons: { rule: string }[] }>(
        'select reasons from fraud_cases where user_id = $1',
        [u.userId],
      );
      expect(fraud.rows.flatMap((r) => r.reasons.map((x) => x.rule))).toContain('debt_after_refund');
      expect((await tip(u, 1)).status).toBe(402);
      // A refunded transaction submitted again stays refunded.
      expect((await appleBuy(u, signed)).json).toMatchObject({
        credited: false,
        purchase: { status: 'refunded' },
      });
      expect(await balance(u)).toBe(0);
    });

    it('rejects forged (401) and malformed (400) data, acknowledges TEST and CONSUMPTION_REQUEST', async () => {
      const u = await signIn(server);
      const forged = await applePki().sign(appleTransaction({ appAccountToken: u.userId }));
      const r1 = await appleBuy(u, forged);
      expect(r1.status).toBe(401);
      expect(r1.json.error.code).toBe('invalid_signature');
      const w1 = await raw(
        '/webhooks/apple',
        JSON.stringify({ signedPayload: await applePki().sign(appleNotification('TEST', undefined)) }),
      );
      expect(w1.status).toBe(401);
      expect((await appleBuy(u, 'not-a-jws')).status).toBe(400);
      expect((await call(server, 'POST', '/api/purchases/apple', u.accessToken(), {})).status).toBe(400);
      expect((await raw('/webhooks/apple', 'not json')).status).toBe(400);
      expect((await raw('/webhooks/apple', JSON.stringify({ signedPayload: 'x.y.z' }))).status).toBe(400);
      const wrongApp = await pki.sign(appleTransaction({ appAccountToken: u.userId, bundleId: 'com.other' }));
      expect((await appleBuy(u, wrongApp)).status).toBe(400);
      const test = await appleNotify(appleNotification('TEST', undefined));
      expect(test.status).toBe(200);
      expect(test.json.outcomes[0]).toMatch(/^ignored/);
      const cr = await appleNotify(
        appleNotification(
          'CONSUMPTION_REQUEST',
          await pki.sign(appleTransaction({ appAccountToken: u.userId })),
        ),
      );
      expect(cr.json.outcomes[0]).toMatch(/^ignored/);
      expect(await balance(u)).toBe(0);
    });

    it('an unknown product is refused without burning the transaction', async () => {
      const u = await signIn(server);
      const signed = await pki.sign(
        appleTransaction({ appAccountToken: u.userId, productId: 'com.ipelya.coins.new' }),
      );
      expect((await appleBuy(u, signed)).status).toBe(404);
      await server.db.service('test:package', (tx) =>
        tx.query(
          `insert into coin_packages (code, coins, prices, apple_product_id) values ('coins_new', 10, '{"TRY": 34999}', 'com.ipelya.coins.new')`,
        ),
      );
      expect((await appleBuy(u, signed)).json.credited).toBe(true);
      expect(await balance(u)).toBe(10);
    });
  });

  describe('Google', () => {
    it('verifies, credits once, then consumes (after crediting); replays credit nothing', async () => {
      const u = await signIn(server);
      const token = `tok-${randomUUID()}`;
      const orderId = `GPA.${randomUUID()}`;
      google.purchases.set(token, { productId: GOOGLE_PRODUCT, userId: u.userId, orderId });
      const results = await Promise.all(Array.from({ length: 4 }, () => googleBuy(u, token)));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(results.filter((r) => r.json.credited)).toHaveLength(1);
      expect(results.find((r) => r.json.credited)!.json).toMatchObject({
        consumed: true,
        purchase: {
          provider: 'google',
          status: 'succeeded',
          coins: 550,
          amount_minor: 34_999,
          currency: 'TRY',
        },
      });
      expect(statusAtConsume.get(token)).toBe('succeeded');
      const again = await googleBuy(u, token);
      expect(again.json).toMatchObject({ credited: false, consumed: true });
      expect(await balance(u)).toBe(550);
      expect(google.calls).toContain(
        `GET https://androidpublisher.googleapis.com/androidpublisher/v3/applications/${PACKAGE}/purchases/products/${GOOGLE_PRODUCT}/tokens/${token}`,
      );
    });

    it("refuses another account's purchase (403) and pending ones (409)", async () => {
      const victim = await signIn(server);
      const thief = await signIn(server);
      const token = `tok-${randomUUID()}`;
      google.purchases.set(token, {
        productId: GOOGLE_PRODUCT,
        userId: victim.userId,
        orderId: `GPA.${randomUUID()}`,
      });
      const r = await googleBuy(thief, token);
      expect(r.status).toBe(403);
      const pending = `tok-${randomUUID()}`;
      google.purchases.set(pending, {
        productId: GOOGLE_PRODUCT,
        userId: thief.userId,
        orderId: `GPA.${randomUUID()}`,
        purchaseState: 2,
      });
      expect((await googleBuy(thief, pending)).status).toBe(409);
      expect((await googleBuy(thief, 'unknown-token')).status).toBe(400);
      expect((await googleBuy(thief, token, 'not_a_product')).status).toBe(404);
      expect(await balance(thief)).toBe(0);
      expect(statusAtConsume.has(token)).toBe(false);
    });

    it('a purchase notification credits through re-verification, once; voided purchases reverse (spent coins clawed back)', async () => {
      const u = await signIn(server);
      const token = `tok-${randomUUID()}`;
      const orderId = `GPA.${randomUUID()}`;
      google.purchases.set(token, { productId: GOOGLE_PRODUCT, userId: u.userId, orderId });
      const n = {
        oneTimeProductNotification: {
          version: '1.0',
          notificationType: 1,
          purchaseToken: token,
          sku: GOOGLE_PRODUCT,
        },
      };
      const messageId = String(Date.now());
      expect((await googlePush(n, messageId)).json.outcomes).toEqual(['credited']);
      expect((await googlePush(n, messageId)).json.outcomes).toEqual(['duplicate']); // Pub/Sub redelivery
      expect((await googlePush(n)).json.outcomes).toEqual(['credited']); // a new message id: credit_coin_purchase replays
      expect((await googleBuy(u, token)).json).toMatchObject({ credited: false, consumed: true });
      expect(await balance(u)).toBe(550);
      expect((await tip(u, 540)).status).toBe(200);
      const voided = {
        voidedPurchaseNotification: { purchaseToken: token, orderId, productType: 2, refundType: 1 },
      };
      expect((await googlePush(voided)).json.outcomes).toEqual(['refunded']);
      expect((await googlePush(voided)).json.outcomes).toEqual(['refunded']);
      // The tip is still pending for the creator: clawed back, so the wallet ends at 0 instead of -540.
      expect(await balance(u)).toBe(0);
    });

    it('a voided purchase that arrives before the purchase applies once it does', async () => {
      const u = await signIn(server);
      const token = `tok-${randomUUID()}`;
      const orderId = `GPA.${randomUUID()}`;
      google.purchases.set(token, { productId: GOOGLE_PRODUCT, userId: u.userId, orderId });
      const voided = {
        voidedPurchaseNotification: { purchaseToken: token, orderId, productType: 2, refundType: 1 },
      };
      expect((await googlePush(voided)).json.outcomes).toEqual(['deferred']);
      expect((await googleBuy(u, token)).status).toBe(200);
      expect(await balance(u)).toBe(0);
    });

    it('rejects a wrong or absent push token (401) and a malformed push (400)', async () => {
      const body = rtdnPush({ testNotification: { version: '1.0' } });
      expect((await raw('/webhooks/google', body)).status).toBe(401);
      const wrongAud = await raw('/webhooks/google', body, {
        authorization: `Bearer ${await google.pushToken({ aud: 'https://attacker.test' })}`,
      });
      expect(wrongAud.status).toBe(401);
      expect(wrongAud.json.error.code).toBe('invalid_signature');
      const auth = { authorization: `Bearer ${await google.pushToken()}` };
      expect((await raw('/webhooks/google', 'not json', auth)).status).toBe(400);
      expect((await raw('/webhooks/google', JSON.stringify({ message: {} }), auth)).status).toBe(400);
      expect((await raw('/webhooks/google', body, auth)).status).toBe(200);
    });
  });

  it('missing configuration answers 503 provider_not_configured', async () => {
    const saved = new Map(server.payments);
    try {
      server.payments.set('apple', new AppleIapProvider(null));
      server.payments.set('google', new GooglePlayProvider(null));
      const u = await signIn(server);
      const a = await appleBuy(u, await pki.sign(appleTransaction({ appAccountToken: u.userId })));
      expect(a.status).toBe(503);
      expect(a.json.error.code).toBe('provider_not_configured');
      expect((await googleBuy(u, 'tok')).status).toBe(503);
      expect((await raw('/webhooks/apple', '{}')).status).toBe(503);
      expect((await raw('/webhooks/google', '{}')).status).toBe(503);
      // Configured for purchases but without the push audience: the webhook alone is not configured.
      const { pubsubAudience: _, ...noAudience } = {
        packageName: PACKAGE,
        serviceAccount: google.serviceAccount,
        pubsubAudience: PUBSUB_AUDIENCE,
        fetch: google.fetch,
      };
      server.payments.set('google', new GooglePlayProvider(noAudience));
      expect((await raw('/webhooks/google', '{}')).status).toBe(503);
    } finally {
      for (const [k, v] of saved) server.payments.set(k, v as PaymentProvider);
    }
  });
});
