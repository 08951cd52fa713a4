import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import {
  IYZICO_BUYER_PLACEHOLDER,
  IyzicoApiError,
  IyzicoPaymentProvider,
  iyzicoPrice,
  iyzicoResponseSignature,
  iyzicoWebhookSignature,
  minorFromPrice,
  trimPrice,
} from './iyzico.provider.ts';
import { WebhookError } from './provider.ts';

const API_KEY = 'sandbox-test-api-key';
const SECRET = 'sandbox-test-secret-key';

// Recomputed here from Iyzico's documentation, independently of the provider's helpers.
const hmacHex = (data: string, key = SECRET) => createHmac('sha256', key).update(data).digest('hex');
const expectedAuth = (rnd: string, path: string, body: string) =>
  `IYZWSv2 ${Buffer.from(`apiKey:${API_KEY}&randomKey:${rnd}&signature:${hmacHex(rnd + path + body)}`).toString('base64')}`;
/** Checkout Form retrieve signature: paymentStatus:paymentId:currency:basketId:conversationId:paidPrice:price:token. */
function signedRetrieve<T extends Record<string, unknown>>(r: T): T & { signature: string } {
  const f = [
    'paymentStatus',
    'paymentId',
    'currency',
    'basketId',
    'conversationId',
    'paidPrice',
    'price',
    'token',
  ];
  return { ...r, signature: hmacHex(f.map((k) => String(r[k] ?? '')).join(':')) };
}
/** X-IYZ-SIGNATURE-V3 for hosted-page notifications. */
const hppSignature = (n: Record<string, unknown>) =>
  hmacHex(
    SECRET +
      [n.iyziEventType, n.iyziPaymentId, n.token, n.paymentConversationId, n.status].map(String).join(''),
  );

type Recorded = { path: string; headers: IncomingHttpHeaders; body: string };
const stubs: { close: () => Promise<void> }[] = [];
/** Iyzico's API on localhost for the official client to talk to: records each request, answers as scripted. */
async function stubApi(answer: (path: string, body: Record<string, unknown>) => unknown, httpStatus = 200) {
  const calls: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      calls.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(httpStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(req.url ?? '', JSON.parse(body || '{}'))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stub = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  stubs.push(stub);
  return stub;
}
/** The IYZWSv2 header the request must carry for the random key it names. */
const signedFor = (sent: Recorded, path: string) =>
  expectedAuth(String(sent.headers['x-iyzi-rnd']), path, sent.body);

const request = {
  purchaseId: '6f1c9b1e-5b1a-4c55-9a57-1f0e2d3c4b5a',
  checkoutId: 'cs_iyzico_0123456789abcdef0123456789abcdef',
  userId: '0d8f3a52-4f0e-4a51-8a3b-7b9c1d2e3f40',
  email: 'buyer@example.com',
  packageCode: 'coins_550',
  coins: 550,
  amountMinor: 34999,
  currency: 'TRY',
  ip: '203.0.113.9',
  returnUrl: 'https://app.example',
};

describe('Iyzico contract', () => {
  afterEach(async () => {
    await Promise.all(stubs.splice(0).map((stub) => stub.close()));
  });

  it('computes the response and notification signatures exactly like the documented known answers', () => {
    // docs.iyzico.com "Response Signature Validation" sample.
    expect(
      iyzicoResponseSignature('sandbox-qaIiLIxhjMgx3LSKIVvp6j17NunHOFtD', [
        '22416032',
        'TRY',
        'basketId',
        'conversationId',
        '10.5',
        '10.5',
      ]),
    ).toBe('836c3a6c8db86c81043f2ca74edb13518b54a813f454f8dd762f0dd658610173');
    // iyzipay-php webhook_Signature_Validation.php samples (hosted page and direct API).
    const secret = 'sandbox-UuLnD7wZa0a3DmytfIrwHQqAMfqCNJrs';
    expect(
      iyzicoWebhookSignature(secret, {
        paymentConversationId: 'conversationId',
        merchantId: '3382172',
        token: 'e828c62d-fd12-4b1a-ad5a-380f15fe6596',
        status: 'SUCCESS',
        iyziReferenceCode: '77e1635c-6b39-475a-8b7b-ca15ad0cd4ac',
        iyziEventType: 'CHECKOUT_FORM_AUTH',
        iyziEventTime: 1721825036103,
        iyziPaymentId: '22483975',
      }),
    ).toBe('4031c575763486a2d2bf3f7ace0baebfcd6bed65393ab4df3fe80c00d5fd6878');
    expect(
      iyzicoWebhookSignature(secret, {
        paymentConversationId: 'conversationId',
        merchantId: '3382172',
        paymentId: '22484059',
        status: 'SUCCESS',
        iyziReferenceCode: 'a9af8e6b-4401-4928-b6b8-40419aaa3d0f',
        iyziEventType: 'API_AUTH',
        iyziEventTime: 1721825828467,
        iyziPaymentId: '22484059',
      }),
    ).toBe('92c7a72b7741bc83eb696066605c894778c87297b2c88d6037670666230e18ae');
  });

  it('formats minor units as Iyzico decimals and reads them back without rounding', () => {
    expect([34999, 35000, 35010, 5, 100, 0].map(iyzicoPrice)).toEqual([
      '349.99',
      '350.0',
      '350.1',
      '0.05',
      '1.0',
      '0.0',
    ]);
    expect(['10', '10.0', '10.50', '10.510', '10.5105'].map(trimPrice)).toEqual([
      '10',
      '10',
      '10.5',
      '10.51',
      '10.5105',
    ]);
    expect([349.99, '350.0', 350, '0.05', '1.005', 'x', undefined].map(minorFromPrice)).toEqual([
      34999,
      35000,
      35000,
      5,
      null,
      null,
      null,
    ]);
  });

  it('sends the documented Checkout Form initialize request and returns the token and page', async () => {
    const fake = await stubApi((_path, body) => ({
      status: 'success',
      locale: 'tr',
      conversationId: body.conversationId,
      token: 'tok-1',
      paymentPageUrl: 'https://sandbox-cpp.iyzipay.com?token=tok-1&lang=tr',
      signature: hmacHex(`${body.conversationId}:tok-1`),
    }));
    const p = new IyzicoPaymentProvider({
      apiKey: API_KEY,
      secretKey: SECRET,
      publicUrl: 'https://api.ipelya.test',
      baseUrl: fake.url,
    });
    const session = await p.createCheckout(request);
    expect(session).toEqual({
      checkoutId: 'tok-1',
      redirectUrl: 'https://sandbox-cpp.iyzipay.com?token=tok-1&lang=tr',
      clientSecret: null,
    });
    const [sent] = fake.calls;
    expect(sent!.path).toBe('/payment/iyzipos/checkoutform/initialize/auth/ecom');
    expect(sent!.headers['x-iyzi-rnd']).toMatch(/^\w{8,}$/);
    expect(sent!.headers.authorization).toBe(
      signedFor(sent!, '/payment/iyzipos/checkoutform/initialize/auth/ecom'),
    );
    expect(sent!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(sent!.body);
    expect(body).toMatchObject({
      conversationId: request.checkoutId,
      basketId: request.purchaseId,
      price: '349.99',
      paidPrice: '349.99',
      currency: 'TRY',
      paymentGroup: 'PRODUCT',
      enabledInstallments: [1],
      callbackUrl: 'https://api.ipelya.test/webhooks/iyzico/callback',
      basketItems: [{ id: 'coins_550', itemType: 'VIRTUAL', price: '349.99', category1: 'Coins' }],
    });
    // Placeholders only; nothing from a persona.
    expect(body.buyer).toEqual({
      id: request.userId,
      name: IYZICO_BUYER_PLACEHOLDER.name,
      surname: IYZICO_BUYER_PLACEHOLDER.surname,
      identityNumber: '11111111111',
      email: 'buyer@example.com',
      registrationAddress: IYZICO_BUYER_PLACEHOLDER.address,
      city: 'Istanbul',
      country: 'Turkey',
      ip: '203.0.113.9',
    });
    expect(body.billingAddress.contactName).toBe('İpelya Member');
  });

  it('refuses an initialize answer with a wrong signature or a failure', async () => {
    const tampered = await stubApi(() => ({
      status: 'success',
      conversationId: request.checkoutId,
      token: 'tok-2',
      paymentPageUrl: 'https://x',
      signature: '00'.repeat(32),
    }));
    const p = new IyzicoPaymentProvider({
      apiKey: API_KEY,
      secretKey: SECRET,
      publicUrl: 'https://a',
      baseUrl: tampered.url,
    });
    await expect(p.createCheckout(request)).rejects.toThrow(/signature mismatch/);
    const failed = await stubApi(() => ({
      status: 'failure',
      errorCode: '1000',
      errorMessage: 'Geçersiz imza',
    }));
    const q = new IyzicoPaymentProvider({
      apiKey: API_KEY,
      secretKey: SECRET,
      publicUrl: 'https://a',
      baseUrl: failed.url,
    });
    await expect(q.createCheckout(request)).rejects.toThrow(/1000: Geçersiz imza/);
  });

  const success = signedRetrieve({
    status: 'success',
    locale: 'tr',
    systemTime: 1755536577419,
    conversationId: request.checkoutId,
    price: 349.99,
    paidPrice: 349.99,
    installment: 1,
    paymentId: '24478123',
    fraudStatus: 1,
    basketId: request.purchaseId,
    currency: 'TRY',
    token: 'tok-1',
    paymentStatus: 'SUCCESS',
    callbackUrl: 'https://api.ipelya.test/webhooks/iyzico/callback',
  });
  const expected = { purchaseId: request.purchaseId, amountMinor: 34999, currency: 'TRY' };

  it('retrieves with the documented request, verifies the signature and settles only a matching payment', async () => {
    const fake = await stubApi(() => success);
    const p = new IyzicoPaymentProvider({
      apiKey: API_KEY,
      secretKey: SECRET,
      // A trailing slash on the configured root is tolerated.
      baseUrl: `${fake.url}/`,
      publicUrl: 'https://a',
    });
    const r = await p.retrieveCheckout('tok-1');
    const [sent] = fake.calls;
    expect(sent!.path).toBe('/payment/iyzipos/checkoutform/auth/ecom/detail');
    expect(JSON.parse(sent!.body)).toEqual({ locale: 'tr', token: 'tok-1' });
    expect(sent!.headers.authorization).toBe(
      signedFor(sent!, '/payment/iyzipos/checkoutform/auth/ecom/detail'),
    );
    expect(p.settle('tok-1', r, expected)).toEqual([
      {
        type: 'payment_succeeded',
        eventId: 'cf:tok-1:success',
        externalId: '24478123',
        checkoutId: 'tok-1',
        amountMinor: 34999,
        currency: 'TRY',
      },
    ]);
    // The amount and currency go to SQL as Iyzico reported them; SQL holds a mismatch (decision 013).
    for (const wrong of [
      { ...expected, amountMinor: 35000 },
      { ...expected, currency: 'USD' },
    ]) {
      expect(p.settle('tok-1', r, wrong)[0]).toMatchObject({ amountMinor: 34999, currency: 'TRY' });
    }
    // An answer about another purchase is not applied at all.
    expect(p.settle('tok-1', r, { ...expected, purchaseId: randomUUID() })[0]).toMatchObject({
      type: 'ignored',
      eventId: 'cf:tok-1:mismatch',
    });
    // price ≠ paidPrice (a surcharge): no amount is reported, which SQL holds.
    expect(p.settle('tok-1', { ...r, paidPrice: 360 }, expected)[0]).toMatchObject({
      type: 'payment_succeeded',
      amountMinor: null,
    });
    expect(p.settle('tok-1', { ...r, paymentStatus: 'FAILURE' }, expected)[0]!.type).toBe('payment_failed');
    expect(p.settle('tok-1', { ...r, fraudStatus: -1 }, expected)[0]!.type).toBe('payment_failed');
    expect(p.settle('tok-1', { ...r, fraudStatus: 0 }, expected)[0]).toMatchObject({
      type: 'ignored',
      eventId: 'cf:tok-1:fraud-review',
    });
    expect(p.settle('tok-1', { ...r, paymentStatus: 'INIT_THREEDS' }, expected)[0]!.type).toBe('ignored');
    // A paid checkout we have no purchase for still reaches the pipeline, which files it for reconciliation.
    expect(p.settle('tok-1', r, null)[0]).toMatchObject({
      type: 'payment_succeeded',
      eventId: 'cf:tok-1:unmatched',
      amountMinor: 34999,
    });
    expect(p.settle('tok-1', { ...r, paymentStatus: 'FAILURE' }, null)[0]!.type).toBe('ignored');
    expect(
      p.settle('tok-1', { status: 'failure', errorCode: '5', errorMessage: 'token expired' }, expected)[0],
    ).toMatchObject({ type: 'payment_failed', reason: 'iyzico 5: token expired' });
  });

  it('rejects a tampered or unsigned retrieve answer', async () => {
    for (const answer of [
      { ...success, price: 1, paidPrice: 1 },
      { ...success, signature: undefined },
    ]) {
      const fake = await stubApi(() => answer);
      const p = new IyzicoPaymentProvider({
        apiKey: API_KEY,
        secretKey: SECRET,
        publicUrl: 'https://a',
        baseUrl: fake.url,
      });
      await expect(p.retrieveCheckout('tok-1')).rejects.toBeInstanceOf(IyzicoApiError);
    }
  });

  it('keeps a 5xx or a non-JSON answer an error to retry, never a failed payment', async () => {
    const down = await stubApi(
      () => ({ status: 'failure', errorCode: '11', errorMessage: 'Sistem hatası' }),
      503,
    );
    const p = new IyzicoPaymentProvider({
      apiKey: API_KEY,
      secretKey: SECRET,
      publicUrl: 'https://a',
      baseUrl: down.url,
    });
    await expect(p.retrieveCheckout('tok-1')).rejects.toThrow(/iyzico: HTTP 503/);
    await expect(p.createCheckout(request)).rejects.toThrow(/iyzico: HTTP 503/);
    const html = await stubApi(() => '<html>bad gateway</html>', 502);
    const q = new IyzicoPaymentProvider({
      apiKey: API_KEY,
      secretKey: SECRET,
      publicUrl: 'https://a',
      baseUrl: html.url,
    });
    await expect(q.retrieveCheckout('tok-1')).rejects.toThrow(/HTTP 502 without a JSON body/);
    // The wait is bounded although the client has no timeout.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const r = new IyzicoPaymentProvider({
      apiKey: API_KEY,
      secretKey: SECRET,
      publicUrl: 'https://a',
      baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      timeoutMs: 200,
    });
    await expect(r.retrieveCheckout('tok-1')).rejects.toThrow(/no answer within 200 ms/);
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('verifies notifications (401 bad signature, 400 malformed) and settles them through retrieve', async () => {
    const fake = await stubApi(() => success);
    const p = new IyzicoPaymentProvider({
      apiKey: API_KEY,
      secretKey: SECRET,
      publicUrl: 'https://a',
      baseUrl: fake.url,
    });
    const n = {
      paymentConversationId: request.checkoutId,
      merchantId: 3382172,
      token: 'tok-1',
      status: 'SUCCESS',
      iyziReferenceCode: randomUUID(),
      iyziEventType: 'CHECKOUT_FORM_AUTH',
      iyziEventTime: 1721825036103,
      iyziPaymentId: 24478123,
    };
    const deliver = (body: string, sig?: string | null) =>
      p.parseWebhook({
        headers: new Headers(sig === null ? {} : { 'X-IYZ-SIGNATURE-V3': sig ?? hppSignature(n) }),
        rawBody: body,
        query: {},
      });
    // Without the server's purchase lookup, nothing is settled blind.
    await expect(deliver(JSON.stringify(n))).rejects.toBeInstanceOf(IyzicoApiError);
    p.usePurchaseLookup(async (token) => (token === 'tok-1' ? expected : null));
    expect(await deliver(JSON.stringify(n))).toEqual([
      expect.objectContaining({ type: 'payment_succeeded', externalId: '24478123', amountMinor: 34999 }),
    ]);
    expect(fake.calls.at(-1)!.path).toBe('/payment/iyzipos/checkoutform/auth/ecom/detail');
    const reject = async (body: string, sig: string | null | undefined, status: number) => {
      const err = await deliver(body, sig).catch((e) => e);
      expect(err).toBeInstanceOf(WebhookError);
      expect((err as WebhookError).kind).toBe(status === 401 ? 'unauthenticated' : 'validation');
    };
    await reject(JSON.stringify({ ...n, status: 'FAILURE' }), undefined, 401); // body changed after signing
    await reject(JSON.stringify(n), '0'.repeat(64), 401);
    await reject(JSON.stringify(n), null, 401);
    await reject('not json', 'ab', 400);
    await reject(JSON.stringify({ status: 'SUCCESS' }), 'ab', 400);
    // A refund that Iyzico finally completed after a retry reverses the purchase.
    const refund = {
      paymentConversationId: 'x',
      merchantId: 1,
      paymentId: 24478123,
      status: 'SUCCESS',
      iyziReferenceCode: 'ref-1',
      iyziEventType: 'REFUND_RETRY_SUCCESS',
      iyziEventTime: 1,
      iyziPaymentId: 24478123,
    };
    const sig = hmacHex(`${SECRET}REFUND_RETRY_SUCCESS24478123xSUCCESS`);
    expect(await deliver(JSON.stringify(refund), sig)).toEqual([
      { type: 'refunded', eventId: 'notification:ref-1', externalId: '24478123' },
    ]);
  });

  it('refunds through POST /payment/refund and verifies the answer', async () => {
    const answer = {
      status: 'success',
      conversationId: 'refund-1',
      paymentId: '24478123',
      paymentTransactionId: '27169345',
      price: 349.99,
      currency: 'TRY',
      signature: hmacHex('24478123:349.99:TRY:refund-1'),
    };
    const fake = await stubApi(() => answer);
    const p = new IyzicoPaymentProvider({
      apiKey: API_KEY,
      secretKey: SECRET,
      publicUrl: 'https://a',
      baseUrl: fake.url,
    });
    const input = {
      paymentId: '24478123',
      paymentTransactionId: '27169345',
      amountMinor: 34999,
      currency: 'TRY',
      conversationId: 'refund-1',
      ip: '203.0.113.9',
    };
    expect(await p.refund(input)).toEqual([
      { type: 'refunded', eventId: 'refund:refund-1', externalId: '24478123' },
    ]);
    const [sent] = fake.calls;
    expect(sent!.path).toBe('/payment/refund');
    expect(sent!.headers.authorization).toBe(signedFor(sent!, '/payment/refund'));
    expect(JSON.parse(sent!.body)).toEqual({
      locale: 'tr',
      conversationId: 'refund-1',
      paymentTransactionId: '27169345',
      price: '349.99',
      currency: 'TRY',
      ip: '203.0.113.9',
    });
    const bad = await stubApi(() => ({ ...answer, price: 1 }));
    const q = new IyzicoPaymentProvider({
      apiKey: API_KEY,
      secretKey: SECRET,
      publicUrl: 'https://a',
      baseUrl: bad.url,
    });
    await expect(q.refund(input)).rejects.toThrow(/refund signature mismatch/);
  });
});

/** A stand-in for sandbox-api.iyzipay.com on localhost: records requests, answers what the test scripted. */
async function fakeIyzico() {
  const requests: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const retrieve = new Map<string, (init: Record<string, unknown>) => unknown>();
  const inits = new Map<string, Record<string, unknown>>();
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      const json = JSON.parse(body || '{}');
      let answer: unknown;
      if (req.url === '/payment/iyzipos/checkoutform/initialize/auth/ecom') {
        const token = `tok-${++n}-${randomUUID()}`;
        inits.set(token, json);
        answer = {
          status: 'success',
          conversationId: json.conversationId,
          token,
          tokenExpireTime: 1800,
          paymentPageUrl: `https://sandbox-cpp.iyzipay.com?token=${token}&lang=tr`,
          signature: hmacHex(`${json.conversationId}:${token}`),
        };
      } else if (req.url === '/payment/iyzipos/checkoutform/auth/ecom/detail') {
        const script = retrieve.get(json.token);
        answer = script
          ? script(inits.get(json.token)!)
          : { status: 'failure', errorCode: '5', errorMessage: 'unknown token' };
      } else answer = { status: 'failure', errorCode: '404', errorMessage: 'no such path' };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    retrieve,
    inits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const paid = (token: string, init: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  signedRetrieve({
    status: 'success',
    conversationId: init.conversationId,
    price: 349.99,
    paidPrice: 349.99,
    paymentId: String(Math.floor(Math.random() * 1e9)),
    fraudStatus: 1,
    basketId: init.basketId,
    currency: 'TRY',
    token,
    paymentStatus: 'SUCCESS',
    ...over,
  });

describe.each(dbTargets())('Iyzico checkout end to end (%s)', (target) => {
  let server: TestServer;
  let iyzico: Awaited<ReturnType<typeof fakeIyzico>>;
  let packageId: string;

  const balance = async (u: TestUser) =>
    (await call(server, 'GET', '/api/wallet', u.accessToken())).json.balance as number;
  const checkout = async (u: TestUser) => {
    const r = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      u.accessToken(),
      {
        package_id: packageId,
        provider: 'iyzico',
        currency: 'TRY',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(r.status).toBe(200);
    const token = new URL(r.json.redirect_url).searchParams.get('token')!;
    return { purchaseId: r.json.purchase_id as string, token, init: iyzico.inits.get(token)! };
  };
  const callback = (token: string) =>
    fetch(`${server.url}/webhooks/iyzico/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
      redirect: 'manual',
    });
  const status = async (purchaseId: string) =>
    (
      await server.db.driver.query<{ status: string }>('select status from coin_purchases where id = $1', [
        purchaseId,
      ])
    ).rows[0]!.status;

  beforeAll(async () => {
    iyzico = await fakeIyzico();
    server = await startTestServer(target, {
      IYZICO_API_KEY: API_KEY,
      IYZICO_SECRET_KEY: SECRET,
      IYZICO_BASE_URL: iyzico.url,
    });
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
  afterAll(async () => {
    await server?.dispose();
    await iyzico?.close();
  });

  it('credits once after the callback, however often the callback and notification repeat', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const initReq = iyzico.requests.find((r) => JSON.parse(r.body).basketId === co.purchaseId)!;
    expect(initReq.headers.authorization).toBe(
      expectedAuth(
        String(initReq.headers['x-iyzi-rnd']),
        '/payment/iyzipos/checkoutform/initialize/auth/ecom',
        initReq.body,
      ),
    );
    expect(co.init).toMatchObject({
      price: '349.99',
      paidPrice: '349.99',
      currency: 'TRY',
      basketId: co.purchaseId,
      callbackUrl: `${server.env.PUBLIC_URL}/webhooks/iyzico/callback`,
    });
    expect(String(co.init.conversationId)).toMatch(/^cs_iyzico_[0-9a-f]{32}$/);
    const answer = paid(co.token, co.init);
    iyzico.retrieve.set(co.token, () => answer);

    const first = await callback(co.token);
    expect(first.status).toBe(303);
    const location = first.headers.get('location')!;
    expect(location).toBe(`/webhooks/iyzico/result?token=${encodeURIComponent(co.token)}`);
    expect(await (await fetch(`${server.url}${location}`)).text()).toContain('550 coins are in your wallet');
    expect(await balance(u)).toBe(550);

    const again = await Promise.all([callback(co.token), callback(co.token), callback(co.token)]);
    expect(again.every((r) => r.status === 303)).toBe(true);
    const n = {
      paymentConversationId: co.init.conversationId,
      merchantId: 3382172,
      token: co.token,
      status: 'SUCCESS',
      iyziReferenceCode: randomUUID(),
      iyziEventType: 'CHECKOUT_FORM_AUTH',
      iyziEventTime: Date.now(),
      iyziPaymentId: Number(answer.paymentId),
    };
    const notified = await fetch(`${server.url}/webhooks/iyzico`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-iyz-signature-v3': hppSignature(n) },
      body: JSON.stringify(n),
    });
    expect(notified.status).toBe(200);
    expect(await balance(u)).toBe(550);
    const purchases = (await call(server, 'GET', '/api/purchases', u.accessToken())).json.items;
    expect(purchases[0]).toMatchObject({ status: 'succeeded', amount_minor: 34999, currency: 'TRY' });
    const ext = await server.db.driver.query<{ external_id: string }>(
      'select external_id from coin_purchases where id = $1',
      [co.purchaseId],
    );
    expect(ext.rows[0]!.external_id).toBe(answer.paymentId);
  });

  it('credits from the notification alone when the browser never comes back, and refunds', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const answer = paid(co.token, co.init);
    iyzico.retrieve.set(co.token, () => answer);
    const n = {
      paymentConversationId: co.init.conversationId,
      merchantId: 3382172,
      token: co.token,
      status: 'SUCCESS',
      iyziReferenceCode: randomUUID(),
      iyziEventType: 'CHECKOUT_FORM_AUTH',
      iyziEventTime: Date.now(),
      iyziPaymentId: Number(answer.paymentId),
    };
    const send = (body: unknown, sig: string) =>
      fetch(`${server.url}/webhooks/iyzico`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-iyz-signature-v3': sig },
        body: JSON.stringify(body),
      });
    const forged = await send({ ...n, token: 'someone-elses' }, hppSignature(n));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    expect((await send({ nope: true }, 'ab')).status).toBe(400);
    const ok = await send(n, hppSignature(n));
    expect(ok.status).toBe(200);
    expect(await balance(u)).toBe(550);

    const refund = {
      paymentConversationId: String(co.init.conversationId),
      merchantId: 3382172,
      paymentId: Number(answer.paymentId),
      status: 'SUCCESS',
      iyziReferenceCode: randomUUID(),
      iyziEventType: 'REFUND_RETRY_SUCCESS',
      iyziEventTime: Date.now(),
      iyziPaymentId: Number(answer.paymentId),
    };
    const sig = hmacHex(
      `${SECRET}REFUND_RETRY_SUCCESS${answer.paymentId}${refund.paymentConversationId}SUCCESS`,
    );
    expect((await send(refund, sig)).status).toBe(200);
    expect(await balance(u)).toBe(0);
    expect(await status(co.purchaseId)).toBe('refunded');
  });

  it('credits nothing when the amount does not match, the answer is tampered or the payment failed', async () => {
    const u = await signIn(server);
    const cheap = await checkout(u);
    iyzico.retrieve.set(cheap.token, (init) => paid(cheap.token, init, { price: 1, paidPrice: 1 }));
    expect((await callback(cheap.token)).status).toBe(303);
    // Paid, but not the package price: held for an admin with a reconciliation item, never credited.
    expect(await status(cheap.purchaseId)).toBe('held');
    const outcome = await server.db.driver.query<{ outcome: string }>(
      'select outcome from payment_events where provider = $1 and event_id = $2',
      ['iyzico', `cf:${cheap.token}:success`],
    );
    expect(outcome.rows[0]!.outcome).toBe('held: amount mismatch');
    const item = await server.db.driver.query<{ kind: string; reported_amount_minor: string }>(
      'select kind, reported_amount_minor::text from reconciliation_items where purchase_id = $1',
      [cheap.purchaseId],
    );
    expect(item.rows).toEqual([{ kind: 'amount_mismatch', reported_amount_minor: '100' }]);

    const tampered = await checkout(u);
    iyzico.retrieve.set(tampered.token, (init) => ({
      ...paid(tampered.token, init),
      price: 3499.99,
      paidPrice: 3499.99,
    }));
    expect((await callback(tampered.token)).status).toBe(303);
    expect(await status(tampered.purchaseId)).toBe('pending');

    const failed = await checkout(u);
    iyzico.retrieve.set(failed.token, () => ({
      status: 'failure',
      errorCode: '10051',
      errorMessage: 'Kart limiti yetersiz',
    }));
    const r = await callback(failed.token);
    expect(await (await fetch(`${server.url}${r.headers.get('location')}`)).text()).toContain(
      'Payment failed',
    );
    expect(await status(failed.purchaseId)).toBe('failed');

    const declined = await checkout(u);
    iyzico.retrieve.set(declined.token, (init) => paid(declined.token, init, { paymentStatus: 'FAILURE' }));
    await callback(declined.token);
    expect(await status(declined.purchaseId)).toBe('failed');

    expect(await balance(u)).toBe(0);
    const unknown = await fetch(`${server.url}/webhooks/iyzico/result?token=nope`);
    expect(unknown.status).toBe(404);
    expect((await callback('')).status).toBe(400);
  });

  it('answers 503 provider_not_configured without keys', async () => {
    const bare = await startTestServer(target);
    try {
      const id = await bare.db.service('test:package', async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `insert into coin_packages (code, coins, prices) values ('coins_100', 100, '{"TRY": 6999}') returning id`,
        );
        return rows[0]!.id;
      });
      const u = await signIn(bare);
      const r = await call(
        bare,
        'POST',
        '/api/purchases/checkout',
        u.accessToken(),
        {
          package_id: id,
          provider: 'iyzico',
          currency: 'TRY',
        },
        { 'idempotency-key': randomUUID() },
      );
      expect(r.status).toBe(503);
      expect(r.json.error.code).toBe('provider_not_configured');
      const cb = await fetch(`${bare.url}/webhooks/iyzico/callback`, {
        method: 'POST',
        body: new URLSearchParams({ token: 't' }),
      });
      expect(cb.status).toBe(503);
      const hook = await fetch(`${bare.url}/webhooks/iyzico`, { method: 'POST', body: '{}' });
      expect(hook.status).toBe(503);
    } finally {
      await bare.dispose();
    }
  });
});
