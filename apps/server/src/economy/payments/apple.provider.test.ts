import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEnv } from '../../env.ts';
import {
  APPLE_ROOT_CA_G3,
  APPLE_ROOT_CA_G3_SHA256,
  AppleIapProvider,
  appleMinorUnits,
  appleProviderFromEnv,
  loadRootCertificates,
} from './apple.provider.ts';
import { appleNotification, applePki, appleTransaction, BUNDLE_ID } from './store-purchases.fixtures.ts';

const webhook = (body: unknown) => ({
  headers: new Headers(),
  rawBody: typeof body === 'string' ? body : JSON.stringify(body),
  query: {},
});

describe('Apple In-App Purchase provider', () => {
  const pki = applePki();
  const provider = new AppleIapProvider({
    bundleId: BUNDLE_ID,
    environment: 'Sandbox',
    rootCertificates: pki.roots,
    onlineChecks: false,
  });
  const user = randomUUID();

  it('ships Apple Root CA - G3 byte for byte (SHA-256 fingerprint Apple publishes)', () => {
    const root = new X509Certificate(Buffer.from(APPLE_ROOT_CA_G3, 'base64'));
    expect(root.fingerprint256).toBe(APPLE_ROOT_CA_G3_SHA256);
    expect(root.subject).toContain('CN=Apple Root CA - G3');
    expect(root.verify(root.publicKey)).toBe(true);
  });

  it('verifies a signed consumable transaction with the real SignedDataVerifier', async () => {
    const tx = appleTransaction({ appAccountToken: user });
    const event = await provider.verifyPurchase(await pki.sign(tx), user);
    expect(event).toEqual({
      type: 'payment_succeeded',
      eventId: `transaction:${tx.transactionId}`,
      externalId: `apple:${tx.transactionId}`,
      productId: 'com.ipelya.coins.550',
      userId: user,
      amountMinor: 34_999, // 349.990 TRY in milliunits → kuruş
      currency: 'TRY',
    });
  });

  it('refuses another account, another app, another environment and revoked transactions', async () => {
    const other = await pki.sign(appleTransaction({ appAccountToken: randomUUID() }));
    await expect(provider.verifyPurchase(other, user)).rejects.toMatchObject({
      kind: 'forbidden',
      code: 'purchase_account_mismatch',
    });
    const none = await pki.sign(appleTransaction());
    await expect(provider.verifyPurchase(none, user)).rejects.toMatchObject({ kind: 'forbidden' });
    const app = await pki.sign(appleTransaction({ appAccountToken: user, bundleId: 'com.other.app' }));
    await expect(provider.verifyPurchase(app, user)).rejects.toMatchObject({ kind: 'validation' });
    const prod = await pki.sign(appleTransaction({ appAccountToken: user, environment: 'Production' }));
    await expect(provider.verifyPurchase(prod, user)).rejects.toMatchObject({ kind: 'validation' });
    const revoked = await pki.sign(appleTransaction({ appAccountToken: user, revocationDate: Date.now() }));
    await expect(provider.verifyPurchase(revoked, user)).rejects.toMatchObject({ code: 'purchase_revoked' });
    const sub = await pki.sign(
      appleTransaction({ appAccountToken: user, type: 'Auto-Renewable Subscription' }),
    );
    await expect(provider.verifyPurchase(sub, user)).rejects.toMatchObject({ kind: 'validation' });
  });

  it('tells a bad signature (401) from a malformed payload (400)', async () => {
    const tx = appleTransaction({ appAccountToken: user });
    const untrusted = await applePki().sign(tx);
    await expect(provider.verifyPurchase(untrusted, user)).rejects.toMatchObject({
      kind: 'unauthenticated',
      code: 'invalid_signature',
    });
    const [h, , s] = (await pki.sign(tx)).split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...tx, price: 1 })).toString('base64url')}.${s}`;
    await expect(provider.verifyPurchase(tampered, user)).rejects.toMatchObject({ kind: 'unauthenticated' });
    // A chain whose leaf lacks Apple's marker extension is not App Store signing.
    const noMarker = await applePki({ leafMarker: false }).sign(tx);
    await expect(
      new AppleIapProvider({
        bundleId: BUNDLE_ID,
        environment: 'Sandbox',
        rootCertificates: pki.roots,
        onlineChecks: false,
      }).verifyPurchase(noMarker, user),
    ).rejects.toMatchObject({ kind: 'unauthenticated' });
    for (const garbage of ['', 'abc', 'a.b.c', `${h}.bm90IGpzb24.${s}`]) {
      await expect(provider.verifyPurchase(garbage, user)).rejects.toMatchObject({ kind: 'validation' });
    }
  });

  it('with Sandbox allowed, Production servers also accept sandbox purchases', async () => {
    const prod = new AppleIapProvider({
      bundleId: BUNDLE_ID,
      environment: 'Production',
      appAppleId: 1234567890,
      allowSandbox: true,
      rootCertificates: pki.roots,
      onlineChecks: false,
    });
    const signed = await pki.sign(appleTransaction({ appAccountToken: user }));
    expect((await prod.verifyPurchase(signed, user)).type).toBe('payment_succeeded');
    const strict = new AppleIapProvider({
      bundleId: BUNDLE_ID,
      environment: 'Production',
      appAppleId: 1234567890,
      rootCertificates: pki.roots,
      onlineChecks: false,
    });
    await expect(strict.verifyPurchase(signed, user)).rejects.toMatchObject({ kind: 'validation' });
  });

  it('maps App Store Server Notifications V2', async () => {
    const tx = await pki.sign(appleTransaction({ appAccountToken: user, transactionId: '2000000999' }));
    const note = async (type: string, signedTx?: string) => {
      const n = appleNotification(type, signedTx);
      return {
        id: n.notificationUUID,
        events: await provider.parseWebhook(webhook({ signedPayload: await pki.sign(n) })),
      };
    };
    const charge = await note('ONE_TIME_CHARGE', tx);
    expect(charge.events).toEqual([
      expect.objectContaining({
        type: 'payment_succeeded',
        eventId: `notification:${charge.id}`,
        externalId: 'apple:2000000999',
        userId: user,
      }),
    ]);
    const refund = await note('REFUND', tx);
    expect(refund.events).toEqual([
      { type: 'refunded', eventId: `notification:${refund.id}`, externalId: 'apple:2000000999' },
    ]);
    for (const type of ['TEST', 'CONSUMPTION_REQUEST', 'REFUND_DECLINED', 'REFUND_REVERSED']) {
      expect((await note(type, type === 'TEST' ? undefined : tx)).events[0]!.type).toBe('ignored');
    }
    await expect(note('REFUND')).rejects.toMatchObject({ kind: 'validation' });
    await expect(provider.parseWebhook(webhook('not json'))).rejects.toMatchObject({ kind: 'validation' });
    await expect(provider.parseWebhook(webhook({}))).rejects.toMatchObject({ kind: 'validation' });
    const forged = await applePki().sign(appleNotification('REFUND', tx));
    await expect(provider.parseWebhook(webhook({ signedPayload: forged }))).rejects.toMatchObject({
      kind: 'unauthenticated',
    });
    // An authentic notification carrying a forged transaction is still refused.
    const inner = await applePki().sign(appleTransaction({ appAccountToken: user }));
    const mixed = await pki.sign(appleNotification('ONE_TIME_CHARGE', inner));
    await expect(provider.parseWebhook(webhook({ signedPayload: mixed }))).rejects.toMatchObject({
      kind: 'unauthenticated',
    });
  });

  it('converts milliunits to minor units per currency', () => {
    expect(appleMinorUnits(9_990, 'USD')).toBe(999);
    expect(appleMinorUnits(1_000_000, 'JPY')).toBe(1000);
    expect(appleMinorUnits(1_234, 'KWD')).toBe(1234);
  });

  it('from env: not configured without a bundle id (or without the app Apple ID in Production)', async () => {
    expect(appleProviderFromEnv(testEnv()).configured).toBe(false);
    await expect(appleProviderFromEnv(testEnv()).verifyPurchase('x', user)).rejects.toMatchObject({
      kind: 'not_configured',
    });
    expect(appleProviderFromEnv(testEnv({ APPLE_IAP_BUNDLE_ID: BUNDLE_ID })).configured).toBe(false);
    expect(
      appleProviderFromEnv(testEnv({ APPLE_IAP_BUNDLE_ID: BUNDLE_ID, APPLE_IAP_APP_APPLE_ID: '123' }))
        .configured,
    ).toBe(true);
    expect(
      appleProviderFromEnv(testEnv({ APPLE_IAP_BUNDLE_ID: BUNDLE_ID, APPLE_IAP_ENVIRONMENT: 'Sandbox' }))
        .configured,
    ).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'apple-roots-'));
    writeFileSync(join(dir, 'root.cer'), pki.roots[0]!);
    writeFileSync(
      join(dir, 'g3.pem'),
      new X509Certificate(Buffer.from(APPLE_ROOT_CA_G3, 'base64')).toString(),
    );
    expect(loadRootCertificates(dir).map((c) => c.length)).toEqual([583, pki.roots[0]!.length]);
    expect(
      appleProviderFromEnv(
        testEnv({
          APPLE_IAP_BUNDLE_ID: BUNDLE_ID,
          APPLE_IAP_ENVIRONMENT: 'Sandbox',
          APPLE_ROOT_CERTS_DIR: '/nope',
        }),
      ).configured,
    ).toBe(false);
  });
});
