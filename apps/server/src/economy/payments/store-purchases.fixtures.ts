/**
 * Test-only: a private App Store PKI (root → intermediate → leaf, with Apple's marker extensions) that signs
 * StoreKit / App Store Server Notification JWS the real SignedDataVerifier accepts, and a fake Google (OAuth token
 * endpoint, Android Publisher API, OIDC JWKS) that asserts the documented request URLs.
 */
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, SignJWT } from 'jose';

// --- a minimal DER writer: just enough X.509 for a three-certificate chain ---
const len = (n: number) =>
  n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
const tlv = (tag: number, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...p: Buffer[]) => tlv(0x30, ...p);
const set = (...p: Buffer[]) => tlv(0x31, ...p);
const int = (n: number) => tlv(0x02, Buffer.from([n]));
const bool = (b: boolean) => tlv(0x01, Buffer.from([b ? 0xff : 0]));
const octets = (b: Buffer) => tlv(0x04, b);
const NULL = tlv(0x05);
function oid(dotted: string) {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a! + b!];
  for (const n of rest) {
    const enc = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 0x7f) | 0x80);
    bytes.push(...enc);
  }
  return tlv(0x06, Buffer.from(bytes));
}
const name = (cn: string) =>
  seq(
    set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))),
    set(seq(oid('2.5.4.10'), tlv(0x0c, Buffer.from('Test Only')))),
  );
const utcTime = (d: Date) => tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
/** Apple's markers the verifier requires: leaf 1.2.840.113635.100.6.11.1, intermediate 1.2.840.113635.100.6.2.1. */
const APPLE_LEAF_OID = '1.2.840.113635.100.6.11.1';
const APPLE_INTERMEDIATE_OID = '1.2.840.113635.100.6.2.1';

function certificate(o: {
  serial: number;
  issuer: string;
  subject: string;
  publicKey: KeyObject;
  signer: KeyObject;
  ca: boolean;
  marker?: string;
  notBefore?: Date;
  notAfter?: Date;
}): Buffer {
  const exts = [seq(oid('2.5.29.19'), bool(true), octets(o.ca ? seq(bool(true)) : seq()))];
  if (o.marker) exts.push(seq(oid(o.marker), octets(NULL)));
  const tbs = seq(
    tlv(0xa0, int(2)),
    int(o.serial),
    ECDSA_SHA256,
    name(o.issuer),
    seq(
      utcTime(o.notBefore ?? new Date(Date.now() - 86_400_000)),
      utcTime(o.notAfter ?? new Date(Date.now() + 365 * 86_400_000)),
    ),
    name(o.subject),
    o.publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(...exts)),
  );
  const signature = sign('sha256', tbs, o.signer); // DER-encoded ECDSA, as X.509 wants
  return seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), signature));
}

export type ApplePki = {
  /** The root, DER, for SignedDataVerifier's appleRootCertificates. */
  roots: Buffer[];
  /** A compact JWS (ES256, x5c = leaf, intermediate, root) over the payload, like the App Store signs. */
  sign(payload: object): Promise<string>;
};

export function applePki(opts: { leafMarker?: boolean } = {}): ApplePki {
  const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const root = ec();
  const inter = ec();
  const leaf = ec();
  const rootDer = certificate({
    serial: 1,
    issuer: 'Test Root CA',
    subject: 'Test Root CA',
    publicKey: root.publicKey,
    signer: root.privateKey,
    ca: true,
  });
  const interDer = certificate({
    serial: 2,
    issuer: 'Test Root CA',
    subject: 'Test WWDR Intermediate',
    publicKey: inter.publicKey,
    signer: root.privateKey,
    ca: true,
    marker: APPLE_INTERMEDIATE_OID,
  });
  const leafDer = certificate({
    serial: 3,
    issuer: 'Test WWDR Intermediate',
    subject: 'Test StoreKit Signing',
    publicKey: leaf.publicKey,
    signer: inter.privateKey,
    ca: false,
    marker: opts.leafMarker === false ? undefined : APPLE_LEAF_OID,
  });
  return {
    roots: [rootDer],
    sign: (payload) =>
      new CompactSign(Buffer.from(JSON.stringify(payload)))
        .setProtectedHeader({
          alg: 'ES256',
          x5c: [leafDer, interDer, rootDer].map((c) => c.toString('base64')),
        })
        .sign(leaf.privateKey),
  };
}

export const BUNDLE_ID = 'com.ipelya.app';

/** JWSTransactionDecodedPayload of a consumable purchase (App Store Server API documentation fields). */
export function appleTransaction(over: Record<string, unknown> = {}) {
  const now = Date.now();
  const id = String(2_000_000_000_000 + Math.floor(Math.random() * 1e12));
  return {
    transactionId: id,
    originalTransactionId: id,
    bundleId: BUNDLE_ID,
    productId: 'com.ipelya.coins.550',
    purchaseDate: now - 1000,
    originalPurchaseDate: now - 1000,
    quantity: 1,
    type: 'Consumable',
    inAppOwnershipType: 'PURCHASED',
    signedDate: now,
    environment: 'Sandbox',
    transactionReason: 'PURCHASE',
    storefront: 'TUR',
    storefrontId: '143480',
    price: 349_990,
    currency: 'TRY',
    ...over,
  };
}

/** ResponseBodyV2DecodedPayload (App Store Server Notifications V2). */
export function appleNotification(
  notificationType: string,
  signedTransactionInfo: string | undefined,
  over: Record<string, unknown> = {},
) {
  return {
    notificationType,
    notificationUUID: randomUUID(),
    version: '2.0',
    signedDate: Date.now(),
    data: {
      bundleId: BUNDLE_ID,
      bundleVersion: '42',
      environment: 'Sandbox',
      ...(signedTransactionInfo ? { signedTransactionInfo } : {}),
    },
    ...over,
  };
}

// --- Google ---
export const PACKAGE = 'com.ipelya.app';
export const PUBSUB_AUDIENCE = 'https://api.ipelya.test/webhooks/google';
export const PUSH_SA = 'play-rtdn@ipelya.iam.gserviceaccount.com';
export const JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';

export type FakePurchase = {
  productId: string;
  userId: string;
  orderId?: string;
  purchaseState?: number;
  consumptionState?: number;
  purchaseType?: number;
  total?: { currencyCode: string; units: string; nanos: number };
};

/** Where google-auth-library sends the service account's JWT-bearer grant. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export async function fakeGoogle(hooks: { onConsume?: (token: string) => Promise<void> } = {}) {
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccount = {
    client_email: 'billing@ipelya.iam.gserviceaccount.com',
    private_key: sa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    token_uri: GOOGLE_TOKEN_URL,
  };
  const oidc = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(oidc.publicKey)), kid: 'google-test-1', alg: 'RS256', use: 'sig' };
  const purchases = new Map<string, FakePurchase>();
  const calls: string[] = [];
  const base = `https://androidpublisher.googleapis.com/androidpublisher/v3/applications/${PACKAGE}`;
  const reply = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const method = init?.method ?? 'GET';
    calls.push(`${method} ${url}`);
    if (url === GOOGLE_TOKEN_URL) {
      const form = new URLSearchParams(String(init?.body));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !form.get('assertion'))
        return reply(400, { error: 'invalid_request' });
      return reply(200, { access_token: 'ya29.test', expires_in: 3599 });
    }
    if (url === JWKS_URL) return reply(200, { keys: [jwk] });
    if (new Headers(init?.headers).get('authorization') !== 'Bearer ya29.test')
      return reply(401, { error: { code: 401 } });
    const m = url.match(/^(.+)\/purchases\/products\/([^/]+)\/tokens\/([^/:]+)(:consume)?$/);
    if (m && m[1] === base) {
      const token = decodeURIComponent(m[3]!);
      const p = purchases.get(token);
      if (!p || p.productId !== decodeURIComponent(m[2]!))
        return reply(400, { error: { code: 400, message: 'Invalid Value' } });
      if (m[4]) {
        if (method !== 'POST') return reply(405, {});
        await hooks.onConsume?.(token);
        p.consumptionState = 1;
        return new Response('', { status: 200 });
      }
      return reply(200, {
        kind: 'androidpublisher#productPurchase',
        purchaseTimeMillis: String(Date.now()),
        purchaseState: p.purchaseState ?? 0,
        consumptionState: p.consumptionState ?? 0,
        orderId: p.orderId,
        acknowledgementState: 0,
        ...(p.purchaseType !== undefined ? { purchaseType: p.purchaseType } : {}),
        obfuscatedExternalAccountId: p.userId,
        regionCode: 'TR',
        quantity: 1,
      });
    }
    const o = url.match(/^(.+)\/orders\/([^/]+)$/);
    if (o && o[1] === base) {
      const p = [...purchases.values()].find((x) => x.orderId === decodeURIComponent(o[2]!));
      if (!p) return reply(404, { error: { code: 404 } });
      return reply(200, {
        orderId: p.orderId,
        state: 'PROCESSED',
        total: p.total ?? { currencyCode: 'TRY', units: '349', nanos: 990_000_000 },
      });
    }
    return reply(404, { error: { code: 404, message: `unexpected ${url}` } });
  }) as typeof fetch;

  return {
    serviceAccount,
    fetch: fetchImpl,
    calls,
    base,
    purchases,
    /** A Pub/Sub push OIDC token as Google signs it (iss accounts.google.com, aud = the subscription's audience). */
    pushToken: (over: { aud?: string; email?: string; expSeconds?: number; key?: CryptoKey } = {}) =>
      new SignJWT({ email: over.email ?? PUSH_SA, email_verified: true, azp: '1234567890' })
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
        .setIssuer('https://accounts.google.com')
        .setAudience(over.aud ?? PUBSUB_AUDIENCE)
        .setSubject('1234567890')
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (over.expSeconds ?? 3600))
        .sign(over.key ?? oidc.privateKey),
  };
}

/** A Pub/Sub push body wrapping a DeveloperNotification. */
export function rtdnPush(notification: object, messageId = String(Math.floor(Math.random() * 1e15))) {
  return JSON.stringify({
    message: {
      attributes: {},
      data: Buffer.from(JSON.stringify({ version: '1.0', packageName: PACKAGE, ...notification })).toString(
        'base64',
      ),
      messageId,
      publishTime: new Date().toISOString(),
    },
    subscription: 'projects/ipelya/subscriptions/play-rtdn',
  });
}
