import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEnv } from '../../env.ts';
import { IyzicoPayouts, iyzicoAuthorization } from './iyzico.provider.ts';
import { type PayoutTransfer, PayoutTransferError } from './payout-provider.ts';
import { payoutProvidersFromEnv } from './payout-providers.ts';
import { StripeConnectPayouts } from './stripe-connect.provider.ts';

type Seen = { url: string; method: string; headers: Headers; body: string };
/** A fetch that records each request and answers from a script. */
function fakeFetch(answers: Array<{ status: number; body: unknown } | Error>) {
  const seen: Seen[] = [];
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers as HeadersInit),
      body: typeof init?.body === 'string' ? init.body : String(init?.body ?? ''),
    });
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    if (next instanceof Error) throw next;
    return new Response(JSON.stringify(next.body), {
      status: next.status,
      headers: { 'content-type': 'application/json', 'request-id': 'req_test' },
    });
  }) as typeof fetch;
  return { impl, seen };
}

const payout: PayoutTransfer = {
  payoutId: '6f1c6a8e-5b7a-4c1e-9d0e-2f4b8a9c1d23',
  creatorId: '0b6f7c1d-2e3f-4a5b-8c9d-0e1f2a3b4c5d',
  amountCoins: 1200,
  amountMinor: 1200,
  currency: 'USD',
  destination: 'acct_1PayoutTest',
  holderName: null,
  idempotencyKey: 'payout-6f1c6a8e-5b7a-4c1e-9d0e-2f4b8a9c1d23-0',
};

// The documented Transfer object (https://docs.stripe.com/api/transfers/object), trimmed.
const stripeTransfer = {
  id: 'tr_1MiN3gLkdIwHu7ixNCZvFdgA',
  object: 'transfer',
  amount: 1200,
  amount_reversed: 0,
  balance_transaction: 'txn_1MiN3gLkdIwHu7ixxapQrznl',
  created: 1678043844,
  currency: 'usd',
  description: null,
  destination: 'acct_1PayoutTest',
  destination_payment: 'py_1MiN3gLkdIwHu7ixS5y9nMFE',
  livemode: false,
  metadata: { payout_id: payout.payoutId },
  reversals: {
    object: 'list',
    data: [],
    has_more: false,
    total_count: 0,
    url: '/v1/transfers/tr_1/reversals',
  },
  reversed: false,
  source_transaction: null,
  source_type: 'card',
  transfer_group: `payout_${payout.payoutId}`,
};

describe('StripeConnectPayouts (Transfers API contract)', () => {
  it('POSTs /v1/transfers with the secret key, form fields and the Idempotency-Key, and reads the transfer id', async () => {
    const { impl, seen } = fakeFetch([{ status: 200, body: stripeTransfer }]);
    const stripe = new StripeConnectPayouts({ secretKey: 'sk_test_payouts', fetch: impl });
    const res = await stripe.transfer(payout);
    expect(res).toEqual({ externalId: 'tr_1MiN3gLkdIwHu7ixNCZvFdgA', status: 'paid' });
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.url).toBe('https://api.stripe.com/v1/transfers');
    expect(req.method).toBe('POST');
    expect(req.headers.get('authorization')).toBe('Bearer sk_test_payouts');
    expect(req.headers.get('idempotency-key')).toBe(payout.idempotencyKey);
    expect(req.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req.body);
    expect(form.get('amount')).toBe('1200');
    expect(form.get('currency')).toBe('usd');
    expect(form.get('destination')).toBe('acct_1PayoutTest');
    expect(form.get('transfer_group')).toBe(`payout_${payout.payoutId}`);
    expect(form.get('metadata[payout_id]')).toBe(payout.payoutId);
    expect(form.get('metadata[creator_id]')).toBe(payout.creatorId);
  });

  it('treats a documented 400 error as a refusal and 5xx / network errors as ambiguous', async () => {
    const declined = {
      error: {
        code: 'balance_insufficient',
        message: 'You have insufficient available funds in your Stripe account.',
        type: 'invalid_request_error',
      },
    };
    const { impl } = fakeFetch([
      { status: 400, body: declined },
      { status: 500, body: { error: { type: 'api_error', message: 'Something went wrong' } } },
      new TypeError('fetch failed'),
    ]);
    const stripe = new StripeConnectPayouts({ secretKey: 'sk_test_payouts', fetch: impl });
    const refusal = await stripe.transfer(payout).catch((e) => e);
    expect(refusal).toBeInstanceOf(PayoutTransferError);
    expect(refusal).toMatchObject({ definitive: true });
    expect(refusal.message).toMatch(/balance_insufficient/);
    const outage = await stripe.transfer(payout).catch((e) => e);
    expect(outage).toMatchObject({ definitive: false });
    const network = await stripe.transfer(payout).catch((e) => e);
    expect(network).toBeInstanceOf(PayoutTransferError);
    expect(network).toMatchObject({ definitive: false });
  });

  it('refuses a payout without a connected account before calling Stripe', async () => {
    const { impl, seen } = fakeFetch([]);
    const stripe = new StripeConnectPayouts({ secretKey: 'sk_test_payouts', fetch: impl });
    await expect(stripe.transfer({ ...payout, destination: null })).rejects.toMatchObject({
      definitive: true,
    });
    expect(seen).toHaveLength(0);
  });
});

describe('IyzicoPayouts (Mass Payout API contract)', () => {
  const tryPayout: PayoutTransfer = {
    ...payout,
    currency: 'TRY',
    amountMinor: 48_050,
    destination: 'TR92 0086 4021 0000 5482 9861 78',
    holderName: 'Ayşe Yılmaz',
  };
  const initOk = {
    status: 'success',
    systemTime: 1759231970716,
    conversationId: tryPayout.payoutId,
    requestId: '79cdefc1-3ce6-4f51-bdd9-c050274db664',
  };
  const signedBy = (req: Seen, path: string) => {
    const rnd = req.headers.get('x-iyzi-rnd')!;
    const sig = createHmac('sha256', 'sandbox-secret')
      .update(rnd + path + req.body)
      .digest('hex');
    return `IYZWSv2 ${Buffer.from(`apiKey:sandbox-key&randomKey:${rnd}&signature:${sig}`).toString('base64')}`;
  };

  it('initializes and authorizes a mass payout with IYZWSv2-signed requests', async () => {
    const { impl, seen } = fakeFetch([
      { status: 200, body: initOk },
      { status: 200, body: { status: 'success', systemTime: 1759231995145 } },
    ]);
    const iyzico = new IyzicoPayouts({ apiKey: 'sandbox-key', secretKey: 'sandbox-secret', fetch: impl });
    const res = await iyzico.transfer(tryPayout);
    expect(res).toEqual({ externalId: initOk.requestId, status: 'processing' });
    const [init, auth] = seen;
    expect(init!.url).toBe('https://sandbox-api.iyzipay.com/v1/mass/payout/init?locale=en');
    expect(init!.method).toBe('POST');
    expect(init!.headers.get('content-type')).toBe('application/json');
    expect(init!.headers.get('authorization')).toBe(signedBy(init!, '/v1/mass/payout/init'));
    expect(JSON.parse(init!.body)).toEqual({
      externalId: tryPayout.idempotencyKey,
      conversationId: tryPayout.payoutId,
      purpose: 'GOODS',
      items: [
        {
          itemExternalId: tryPayout.payoutId,
          recipientType: 'IBAN',
          recipientInfo: 'TR920086402100005482986178',
          amount: { value: 480.5, currency: 'TRY' },
          description: `İpelya creator payout ${tryPayout.payoutId}`,
          recipientName: 'Ayşe Yılmaz',
        },
      ],
    });
    expect(auth!.url).toBe('https://sandbox-api.iyzipay.com/v1/mass/payout/auth?locale=en');
    expect(JSON.parse(auth!.body)).toEqual({ requestId: initOk.requestId });
    expect(auth!.headers.get('authorization')).toBe(signedBy(auth!, '/v1/mass/payout/auth'));
  });

  it('signs exactly as the documented formula (fixed random key)', () => {
    const body = '{"requestId":"r1"}';
    const header = iyzicoAuthorization('k', 's', '123456789', '/v1/mass/payout/auth', body);
    const decoded = Buffer.from(header.replace(/^IYZWSv2 /, ''), 'base64').toString();
    const expected = createHmac('sha256', 's').update(`123456789/v1/mass/payout/auth${body}`).digest('hex');
    expect(decoded).toBe(`apiKey:k&randomKey:123456789&signature:${expected}`);
    // iyzipay-node's own unit test vector (body is JSON-encoded before signing).
    expect(iyzicoAuthorization('api_key', 'secret_key', 'random_string', 'uri', JSON.stringify('body'))).toBe(
      'IYZWSv2 YXBpS2V5OmFwaV9rZXkmcmFuZG9tS2V5OnJhbmRvbV9zdHJpbmcmc2lnbmF0dXJlOjAxNzUwODkyMWEyOWVlNTYwMWJjZDFmYmU4M2VmZDJlMmJlNDNhZjAyZWNlZmYzMGNmMmU5MWE1MzlhYWIzNTU=',
    );
  });

  it('maps a documented failure answer to a refusal and a 5xx to an ambiguous error', async () => {
    const { impl } = fakeFetch([
      {
        status: 200,
        body: {
          status: 'failure',
          errorCode: '10001',
          errorMessage: 'Yetersiz bakiye',
          systemTime: 1759231970716,
        },
      },
      { status: 503, body: { status: 'failure', errorCode: '1', errorMessage: 'Sistem hatası' } },
    ]);
    const iyzico = new IyzicoPayouts({ apiKey: 'sandbox-key', secretKey: 'sandbox-secret', fetch: impl });
    const refused = await iyzico.transfer(tryPayout).catch((e) => e);
    expect(refused).toMatchObject({ definitive: true });
    expect(refused.message).toMatch(/10001: Yetersiz bakiye/);
    const outage = await iyzico.transfer(tryPayout).catch((e) => e);
    expect(outage).toMatchObject({ definitive: false });
    await expect(iyzico.transfer({ ...tryPayout, destination: 'not an iban' })).rejects.toMatchObject({
      definitive: true,
    });
  });

  it('settles from the retrieve report: SUCCESS → paid, FAILED → failed, PROCESSING → still processing', async () => {
    const report = (itemStatus: string, errorMessages: string[] = []) => ({
      status: 200,
      body: {
        status: 'success',
        systemTime: 1759155442830,
        massPayout: {
          externalId: tryPayout.idempotencyKey,
          massPayoutStatus: 'PUBLISHED_TO_QUEUE',
          currency: 'TRY',
        },
        massPayoutItems: {
          items: [{ itemExternalId: tryPayout.payoutId, itemStatus, errorMessages, totalAmount: 480.5 }],
        },
        page: 0,
        size: 10,
        total: 1,
      },
    });
    const { impl, seen } = fakeFetch([
      report('SUCCESS'),
      report('FAILED', ['IBAN hatalı']),
      report('PROCESSING'),
    ]);
    const iyzico = new IyzicoPayouts({ apiKey: 'sandbox-key', secretKey: 'sandbox-secret', fetch: impl });
    expect(await iyzico.check(tryPayout, initOk.requestId)).toEqual({ status: 'paid' });
    expect(await iyzico.check(tryPayout, initOk.requestId)).toEqual({
      status: 'failed',
      error: 'iyzico item FAILED: IBAN hatalı',
    });
    expect(await iyzico.check(tryPayout, initOk.requestId)).toEqual({ status: 'processing' });
    expect(seen[0]!.url).toBe('https://sandbox-api.iyzipay.com/v1/mass/payout/retrieve?locale=en');
    expect(JSON.parse(seen[0]!.body)).toEqual({
      requestId: initOk.requestId,
      externalMassPayoutId: tryPayout.idempotencyKey,
      page: 0,
      size: 10,
    });
  });
});

describe('payout provider registry', () => {
  it('falls back to local without keys in development, and refuses to pretend in production', async () => {
    const dev = payoutProvidersFromEnv(testEnv());
    expect(dev.get('stripe').name).toBe('local');
    expect(dev.get('iyzico').name).toBe('local');
    expect(dev.accepts('local')).toBe(true);
    const prod = payoutProvidersFromEnv({ ...testEnv(), profile: 'production' });
    await expect(prod.get('stripe').transfer(payout)).rejects.toMatchObject({ definitive: false });
    // No local provider in production: a creator without a payout account is never "paid".
    await expect(prod.get('local').transfer(payout)).rejects.toThrow(/payout_account_missing/);
    expect(prod.accepts('local')).toBe(false);
    expect(prod.accepts('stripe')).toBe(false);
    expect(prod.names()).toEqual([]);
    const keyed = payoutProvidersFromEnv(
      testEnv({
        STRIPE_CONNECT_SECRET_KEY: 'sk_test_x',
        IYZICO_PAYOUT_API_KEY: 'k',
        IYZICO_PAYOUT_SECRET_KEY: 's',
      }),
    );
    expect(keyed.get('stripe').name).toBe('stripe');
    expect(keyed.get('iyzico').name).toBe('iyzico');
  });
});
