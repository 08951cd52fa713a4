import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalAttestation } from './attestation.ts';
import {
  androidAttestationFromEnv,
  type IntegrityPayload,
  integrityRequestBinding,
  PLAY_INTEGRITY_SCOPE,
  PlayIntegrityVerifier,
} from './play-integrity.ts';

const PACKAGE = 'app.ipelya.mobile';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const DECODE_URL = `https://playintegrity.googleapis.com/v1/${PACKAGE}:decodeIntegrityToken`;
const INSTALL = 'b0f9f6c2-3a3c-4c1e-9a0e-1d2f3a4b5c6d';
const T0 = 1_760_000_000_000;

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const serviceAccount = {
  type: 'service_account',
  project_id: 'ipelya-test',
  private_key_id: 'f3a1c0ffee',
  private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  client_email: 'integrity@ipelya-test.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.googleapis.com/token',
};

/** A verdict shaped like Google's documented TokenPayloadExternal for a genuine app on a genuine device. */
function genuine(now: number, over: Partial<Record<keyof IntegrityPayload, object>> = {}) {
  return {
    requestDetails: {
      requestPackageName: PACKAGE,
      requestHash: integrityRequestBinding(INSTALL),
      timestampMillis: String(now - 2_000),
      ...over.requestDetails,
    },
    appIntegrity: {
      appRecognitionVerdict: 'PLAY_RECOGNIZED',
      packageName: PACKAGE,
      certificateSha256Digest: ['6a6a1474b5cbbb2b1aa57e0bc3'],
      versionCode: '42',
      ...over.appIntegrity,
    },
    deviceIntegrity: { deviceRecognitionVerdict: ['MEETS_DEVICE_INTEGRITY'], ...over.deviceIntegrity },
    accountDetails: { appLicensingVerdict: 'LICENSED' },
    environmentDetails: { appAccessRiskVerdict: { appsDetected: ['KNOWN_INSTALLED'] } },
  };
}

type DecodeReply = { status: number; json: unknown } | 'network-error';

/** Stands in for Google: OAuth token endpoint + decodeIntegrityToken, both checked against the documented request. */
function fakeGoogle(opts: {
  decode: DecodeReply | ((n: number) => DecodeReply);
  token?: { status: number; json: unknown };
  now: () => number;
}) {
  const seen = { tokenCalls: 0, decodeCalls: 0, tokens: [] as string[], violations: [] as unknown[] };
  // The verifier turns thrown errors into 'unverifiable'; keep contract violations so tests can't miss them.
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) =>
    handle(url, init).catch((err) => {
      if (!(err instanceof TypeError && err.message === 'fetch failed')) seen.violations.push(err);
      throw err;
    })) as typeof fetch;
  // The SDK's own request, as it would go on the wire (implicit content types included).
  const handle = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(url, init);
    expect(req.method).toBe('POST');
    if (req.url === GOOGLE_TOKEN_URL) {
      seen.tokenCalls++;
      expect(req.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
      const form = new URLSearchParams(await req.text());
      expect([...form.keys()].sort()).toEqual(['assertion', 'grant_type']);
      expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
      const assertion = form.get('assertion')!;
      expect(decodeProtectedHeader(assertion).alg).toBe('RS256');
      const { payload } = await jwtVerify(assertion, publicKey, {
        algorithms: ['RS256'],
        issuer: serviceAccount.client_email,
        audience: GOOGLE_TOKEN_URL,
        currentDate: new Date(opts.now()),
      });
      expect(payload.scope).toBe(PLAY_INTEGRITY_SCOPE);
      expect(payload.iat).toBe(Math.floor(opts.now() / 1000));
      expect(payload.exp).toBe(payload.iat! + 3600);
      const reply = opts.token ?? {
        status: 200,
        json: { access_token: `ya29.token-${seen.tokenCalls}`, expires_in: 3599, token_type: 'Bearer' },
      };
      return Response.json(reply.json, { status: reply.status });
    }
    expect(req.url).toBe(DECODE_URL);
    seen.decodeCalls++;
    expect(req.headers.get('content-type')).toMatch(/^application\/json/);
    const auth = req.headers.get('authorization')!;
    expect(auth).toMatch(/^Bearer ya29\.token-\d+$/);
    seen.tokens.push(auth.slice(7));
    expect(await req.json()).toEqual({
      integrityToken: 'eyJhbGciOiJBMjU2S1ciLCJlbmMiOiJBMjU2R0NNIn0.integrity',
    });
    const reply = typeof opts.decode === 'function' ? opts.decode(seen.decodeCalls) : opts.decode;
    if (reply === 'network-error') throw new TypeError('fetch failed');
    return Response.json(reply.json, { status: reply.status });
  };
  return { fetchImpl, seen };
}

const input = {
  platform: 'android' as const,
  token: 'eyJhbGciOiJBMjU2S1ciLCJlbmMiOiJBMjU2R0NNIn0.integrity',
  installId: INSTALL,
};

function setup(
  decode: DecodeReply | ((n: number) => DecodeReply),
  token?: { status: number; json: unknown },
) {
  const now = T0;
  const google = fakeGoogle({ decode, token, now: () => now });
  const inner = new PlayIntegrityVerifier({
    packageName: PACKAGE,
    serviceAccount,
    fetch: google.fetchImpl,
    now: () => now,
  });
  const verify = async (i: Parameters<PlayIntegrityVerifier['verify']>[0]) => {
    const result = await inner.verify(i);
    expect(google.seen.violations).toEqual([]);
    return result;
  };
  return { verifier: { verify }, google };
}

const ok = (payload: unknown) => ({ status: 200, json: { tokenPayloadExternal: payload } });

describe('PlayIntegrityVerifier (OAuth JWT grant + decodeIntegrityToken contract)', () => {
  // google-auth-library dates its grants with the system clock: pin it to the verifier's clock.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('genuine app on a genuine device, bound to the install by requestHash → verified', async () => {
    const { verifier, google } = setup(ok(genuine(T0)));
    expect(await verifier.verify(input)).toBe('verified');
    expect(google.seen).toMatchObject({ tokenCalls: 1, decodeCalls: 1 });
  });

  it('classic request bound by nonce, and strong integrity → verified', async () => {
    const payload = genuine(T0, {
      requestDetails: { requestHash: undefined, nonce: integrityRequestBinding(INSTALL) },
      deviceIntegrity: {
        deviceRecognitionVerdict: [
          'MEETS_BASIC_INTEGRITY',
          'MEETS_DEVICE_INTEGRITY',
          'MEETS_STRONG_INTEGRITY',
        ],
      },
    });
    expect(await setup(ok(payload)).verifier.verify(input)).toBe('verified');
  });

  it.each([
    ['app not Play-recognized', { appIntegrity: { appRecognitionVerdict: 'UNRECOGNIZED_VERSION' } }],
    ['app unevaluated', { appIntegrity: { appRecognitionVerdict: 'UNEVALUATED' } }],
    [
      'device only basic integrity',
      { deviceIntegrity: { deviceRecognitionVerdict: ['MEETS_BASIC_INTEGRITY'] } },
    ],
    ['device with no labels', { deviceIntegrity: { deviceRecognitionVerdict: [] } }],
    ['token for another package', { requestDetails: { requestPackageName: 'com.evil.clone' } }],
    [
      'token bound to another install',
      { requestDetails: { requestHash: integrityRequestBinding('other-install') } },
    ],
    ['token not bound at all', { requestDetails: { requestHash: undefined } }],
    ['token too old (replay)', { requestDetails: { timestampMillis: String(T0 - 11 * 60 * 1000) } }],
  ])('%s → failed', async (_label, over) => {
    expect(
      await setup(ok(genuine(T0, over as Partial<Record<keyof IntegrityPayload, object>>))).verifier.verify(
        input,
      ),
    ).toBe('failed');
  });

  it('Google rejects the token (400 INVALID_ARGUMENT) → failed', async () => {
    const reply = {
      status: 400,
      json: {
        error: { code: 400, message: 'Integrity token cannot be decoded.', status: 'INVALID_ARGUMENT' },
      },
    };
    expect(await setup(reply).verifier.verify(input)).toBe('failed');
  });

  it('Google errors (403, 429, 500, empty 200) and network failures → unverifiable', async () => {
    const err = (code: number, status: string) => ({
      status: code,
      json: { error: { code, message: status, status } },
    });
    expect(await setup(err(403, 'PERMISSION_DENIED')).verifier.verify(input)).toBe('unverifiable');
    expect(await setup(err(429, 'RESOURCE_EXHAUSTED')).verifier.verify(input)).toBe('unverifiable');
    expect(await setup(err(500, 'INTERNAL')).verifier.verify(input)).toBe('unverifiable');
    expect(await setup({ status: 200, json: {} }).verifier.verify(input)).toBe('unverifiable');
    expect(await setup('network-error').verifier.verify(input)).toBe('unverifiable');
  });

  it('token endpoint refusing the grant → unverifiable, decode never called', async () => {
    const { verifier, google } = setup(ok(genuine(T0)), {
      status: 400,
      json: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    });
    expect(await verifier.verify(input)).toBe('unverifiable');
    expect(google.seen.decodeCalls).toBe(0);
  });

  it('caches the access token until shortly before expiry, and drops it on 401', async () => {
    let now = T0;
    const google = fakeGoogle({
      decode: (n) =>
        n === 3
          ? { status: 401, json: { error: { code: 401, status: 'UNAUTHENTICATED' } } }
          : ok(genuine(now)),
      now: () => now,
    });
    const verifier = new PlayIntegrityVerifier({
      packageName: PACKAGE,
      serviceAccount,
      fetch: google.fetchImpl,
      now: () => now,
    });
    await Promise.all([verifier.verify(input), verifier.verify(input)]);
    expect(google.seen.tokenCalls).toBe(1); // concurrent callers share one grant
    now += 3_599_000 - 30_000; // inside the last minute of validity
    vi.setSystemTime(now);
    expect(await verifier.verify(input)).toBe('unverifiable'); // decode #3 answers 401
    expect(google.seen.tokenCalls).toBe(2);
    expect(await verifier.verify(input)).toBe('verified');
    expect(google.seen.tokenCalls).toBe(3);
    expect(google.seen.tokens).toEqual(['ya29.token-1', 'ya29.token-1', 'ya29.token-2', 'ya29.token-3']);
    expect(google.seen.violations).toEqual([]);
  });

  it('other platforms are not its business', async () => {
    const { verifier, google } = setup(ok(genuine(T0)));
    expect(await verifier.verify({ ...input, platform: 'ios' })).toBe('unverifiable');
    expect(google.seen.tokenCalls).toBe(0);
  });

  it('from env: Play Integrity with package + service account JSON; missing or broken → local default', () => {
    const json = JSON.stringify(serviceAccount);
    expect(
      androidAttestationFromEnv({ GOOGLE_PLAY_PACKAGE_NAME: PACKAGE, GOOGLE_SERVICE_ACCOUNT_JSON: json }),
    ).toBeInstanceOf(PlayIntegrityVerifier);
    expect(androidAttestationFromEnv({ GOOGLE_PLAY_PACKAGE_NAME: PACKAGE })).toBeInstanceOf(LocalAttestation);
    expect(androidAttestationFromEnv({ GOOGLE_SERVICE_ACCOUNT_JSON: json })).toBeInstanceOf(LocalAttestation);
    expect(
      androidAttestationFromEnv({
        GOOGLE_PLAY_PACKAGE_NAME: PACKAGE,
        GOOGLE_SERVICE_ACCOUNT_JSON: '{"oops":',
      }),
    ).toBeInstanceOf(LocalAttestation);
  });
});
