import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../env.ts';
import { GooglePlayProvider, googleMinorUnits, googleProviderFromEnv } from './google.provider.ts';
import {
  fakeGoogle,
  JWKS_URL,
  PACKAGE,
  PUBSUB_AUDIENCE,
  PUSH_SA,
  rtdnPush,
} from './store-purchases.fixtures.ts';

type Fake = Awaited<ReturnType<typeof fakeGoogle>>;

describe('Google Play Billing provider', () => {
  let google: Fake;
  let provider: GooglePlayProvider;
  const user = randomUUID();
  const push = async (body: string, authorization?: string | null) =>
    provider.parseWebhook({
      headers: new Headers(
        authorization === null
          ? {}
          : { authorization: authorization ?? `Bearer ${await google.pushToken()}` },
      ),
      rawBody: body,
      query: {},
    });

  beforeAll(async () => {
    google = await fakeGoogle();
    provider = new GooglePlayProvider({
      packageName: PACKAGE,
      serviceAccount: google.serviceAccount,
      pubsubAudience: PUBSUB_AUDIENCE,
      pubsubServiceAccountEmail: PUSH_SA,
      jwksUrl: JWKS_URL,
      fetch: google.fetch,
    });
  });

  it('verifies a purchase token with purchases.products.get and prices it with orders.get', async () => {
    google.purchases.set('tok-1', {
      productId: 'coins_550',
      userId: user,
      orderId: 'GPA.1111-2222-3333-44444',
    });
    google.calls.length = 0;
    const { event, consumed } = await provider.verifyPurchase('coins_550', 'tok-1', user);
    expect(consumed).toBe(false);
    expect(event).toEqual({
      type: 'payment_succeeded',
      eventId: 'purchase:GPA.1111-2222-3333-44444',
      externalId: 'google:GPA.1111-2222-3333-44444',
      productId: 'coins_550',
      userId: user,
      amountMinor: 34_999,
      currency: 'TRY',
    });
    expect(google.calls).toEqual([
      'POST https://oauth2.googleapis.com/token',
      `GET https://androidpublisher.googleapis.com/androidpublisher/v3/applications/${PACKAGE}/purchases/products/coins_550/tokens/tok-1`,
      `GET https://androidpublisher.googleapis.com/androidpublisher/v3/applications/${PACKAGE}/orders/GPA.1111-2222-3333-44444`,
    ]);
    await provider.consume('coins_550', 'tok-1');
    expect(google.calls.at(-1)).toBe(
      `POST https://androidpublisher.googleapis.com/androidpublisher/v3/applications/${PACKAGE}/purchases/products/coins_550/tokens/tok-1:consume`,
    );
    expect((await provider.verifyPurchase('coins_550', 'tok-1', user)).consumed).toBe(true);
  });

  it('refuses another account, pending and canceled purchases, and unknown tokens', async () => {
    google.purchases.set('tok-other', { productId: 'coins_550', userId: randomUUID(), orderId: 'GPA.o' });
    await expect(provider.verifyPurchase('coins_550', 'tok-other', user)).rejects.toMatchObject({
      kind: 'forbidden',
    });
    google.purchases.set('tok-pending', {
      productId: 'coins_550',
      userId: user,
      orderId: 'GPA.p',
      purchaseState: 2,
    });
    await expect(provider.verifyPurchase('coins_550', 'tok-pending', user)).rejects.toMatchObject({
      code: 'purchase_pending',
    });
    google.purchases.set('tok-cancel', {
      productId: 'coins_550',
      userId: user,
      orderId: 'GPA.c',
      purchaseState: 1,
    });
    await expect(provider.verifyPurchase('coins_550', 'tok-cancel', user)).rejects.toMatchObject({
      code: 'purchase_canceled',
    });
    await expect(provider.verifyPurchase('coins_550', 'nope', user)).rejects.toMatchObject({
      code: 'invalid_purchase_token',
    });
    await expect(provider.verifyPurchase('coins_other', 'tok-1', user)).rejects.toMatchObject({
      code: 'invalid_purchase_token',
    });
  });

  it('a license tester purchase without an order reports no amount', async () => {
    google.purchases.set('tok-test', { productId: 'coins_550', userId: user, purchaseType: 0 });
    const { event } = await provider.verifyPurchase('coins_550', 'tok-test', user);
    expect(event).toMatchObject({
      amountMinor: null,
      currency: null,
      externalId: expect.stringMatching(/^google:token-[0-9a-f]{40}$/),
    });
  });

  it('authenticates Pub/Sub pushes with the Google-signed OIDC token', async () => {
    const body = rtdnPush({ testNotification: { version: '1.0' } }, '42');
    expect(await push(body)).toEqual([{ type: 'ignored', eventId: 'rtdn:42', reason: 'test notification' }]);
    await expect(push(body, null)).rejects.toMatchObject({ kind: 'unauthenticated' });
    await expect(push(body, 'Bearer not-a-jwt')).rejects.toMatchObject({ kind: 'unauthenticated' });
    const stranger = (await generateKeyPair('RS256')).privateKey;
    await expect(push(body, `Bearer ${await google.pushToken({ key: stranger })}`)).rejects.toMatchObject({
      code: 'invalid_signature',
    });
    await expect(
      push(body, `Bearer ${await google.pushToken({ aud: 'https://else' })}`),
    ).rejects.toMatchObject({
      kind: 'unauthenticated',
    });
    await expect(push(body, `Bearer ${await google.pushToken({ expSeconds: -120 })}`)).rejects.toMatchObject({
      kind: 'unauthenticated',
    });
    await expect(
      push(body, `Bearer ${await google.pushToken({ email: 'x@evil.test' })}`),
    ).rejects.toMatchObject({
      kind: 'unauthenticated',
    });
    // Authenticated but malformed: 400.
    await expect(push('not json')).rejects.toMatchObject({ kind: 'validation' });
    await expect(
      push(JSON.stringify({ message: { data: 'bm90IGpzb24=', messageId: '1' } })),
    ).rejects.toMatchObject({
      kind: 'validation',
    });
  });

  it('re-verifies one-time product notifications and maps voided purchases to refunds', async () => {
    google.purchases.set('tok-rtdn', { productId: 'coins_550', userId: user, orderId: 'GPA.rtdn' });
    const bought = await push(
      rtdnPush(
        {
          oneTimeProductNotification: {
            version: '1.0',
            notificationType: 1,
            purchaseToken: 'tok-rtdn',
            sku: 'coins_550',
          },
        },
        '7',
      ),
    );
    expect(bought).toEqual([
      expect.objectContaining({
        type: 'payment_succeeded',
        eventId: 'rtdn:7',
        externalId: 'google:GPA.rtdn',
        userId: user,
      }),
    ]);
    const canceled = await push(
      rtdnPush({
        oneTimeProductNotification: {
          version: '1.0',
          notificationType: 2,
          purchaseToken: 'tok-rtdn',
          sku: 'coins_550',
        },
      }),
    );
    expect(canceled[0]!.type).toBe('ignored');
    const voided = await push(
      rtdnPush(
        {
          voidedPurchaseNotification: {
            purchaseToken: 'tok-rtdn',
            orderId: 'GPA.rtdn',
            productType: 2,
            refundType: 1,
          },
        },
        '8',
      ),
    );
    expect(voided).toEqual([{ type: 'refunded', eventId: 'rtdn:8', externalId: 'google:GPA.rtdn' }]);
    const otherApp = JSON.parse(rtdnPush({ testNotification: {} }));
    otherApp.message.data = Buffer.from(
      JSON.stringify({ packageName: 'com.other', testNotification: {} }),
    ).toString('base64');
    expect((await push(JSON.stringify(otherApp)))[0]!.type).toBe('ignored');
  });

  it('converts Money to minor units', () => {
    expect(googleMinorUnits({ currencyCode: 'USD', units: '9', nanos: 990_000_000 })).toBe(999);
    expect(googleMinorUnits({ currencyCode: 'JPY', units: '1000', nanos: 0 })).toBe(1000);
    expect(googleMinorUnits({ currencyCode: 'TRY', units: '349', nanos: 990_000_000 })).toBe(34_999);
  });

  it('from env: not configured without package and service account; webhook needs the audience', async () => {
    expect(googleProviderFromEnv(testEnv()).configured).toBe(false);
    expect(googleProviderFromEnv(testEnv({ GOOGLE_PLAY_PACKAGE_NAME: PACKAGE })).configured).toBe(false);
    const sa = JSON.stringify(google.serviceAccount);
    const noAudience = googleProviderFromEnv(
      testEnv({ GOOGLE_PLAY_PACKAGE_NAME: PACKAGE, GOOGLE_SERVICE_ACCOUNT_JSON: sa }),
    );
    expect(noAudience.configured).toBe(true);
    await expect(
      noAudience.parseWebhook({ headers: new Headers(), rawBody: '{}', query: {} }),
    ).rejects.toMatchObject({ kind: 'not_configured' });
    expect(
      googleProviderFromEnv(
        testEnv({ GOOGLE_PLAY_PACKAGE_NAME: PACKAGE, GOOGLE_SERVICE_ACCOUNT_JSON: '{"x":' }),
      ).configured,
    ).toBe(false);
  });
});
