import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  AppleDeviceCheckVerifier,
  appleAttestationFromEnv,
  DEVICECHECK_DEVELOPMENT_URL,
  DEVICECHECK_PRODUCTION_URL,
} from './apple-devicecheck.ts';
import { LocalAttestation } from './attestation.ts';

const TEAM_ID = 'PJK0EZJ3I6';
const KEY_ID = 'AP00LNP89K';
const NOW = 1_760_000_000_000;

function appleKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

type Reply = { status: number; body?: string } | 'network-error';

/** Stands in for Apple: checks the request exactly as Apple documents it, then answers with `reply`. */
function fakeApple(publicKey: KeyObject, reply: Reply, expectedUrl = DEVICECHECK_PRODUCTION_URL) {
  const calls: { jwt: string; body: Record<string, unknown> }[] = [];
  // The verifier turns thrown errors into 'unverifiable'; keep contract violations so tests can't miss them.
  const violations: unknown[] = [];
  const check = async (url: string | URL | Request, init?: RequestInit) => {
    expect(String(url)).toBe(expectedUrl);
    expect(init?.method).toBe('POST');
    const headers = new Headers(init?.headers);
    expect(headers.get('content-type')).toBe('application/json');
    const auth = headers.get('authorization')!;
    expect(auth).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const jwt = auth.slice('Bearer '.length);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', kid: KEY_ID });
    const { payload } = await jwtVerify(jwt, publicKey, {
      algorithms: ['ES256'],
      issuer: TEAM_ID,
      currentDate: new Date(NOW),
    });
    expect(payload.iat).toBe(Math.floor(NOW / 1000));
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['device_token', 'timestamp', 'transaction_id']);
    expect(body.timestamp).toBe(NOW);
    expect(body.transaction_id).toMatch(/^[0-9a-f-]{36}$/);
    calls.push({ jwt, body });
  };
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    await check(url, init).catch((err) => {
      violations.push(err);
      throw err;
    });
    if (reply === 'network-error') throw new TypeError('fetch failed');
    return new Response(reply.body ?? '', { status: reply.status });
  }) as typeof fetch;
  return { fetchImpl, calls, violations };
}

const input = {
  platform: 'ios' as const,
  token: 'wlkCDA2Hy/CfrMqVAShs1BAR/0sAiuRIUm5jQg0a',
  installId: 'install-1',
};

describe('AppleDeviceCheckVerifier (validate_device_token contract)', () => {
  const { pem, publicKey } = appleKey();
  const make = (reply: Reply, development = false) => {
    const apple = fakeApple(
      publicKey,
      reply,
      development ? DEVICECHECK_DEVELOPMENT_URL : DEVICECHECK_PRODUCTION_URL,
    );
    const verifier = new AppleDeviceCheckVerifier({
      teamId: TEAM_ID,
      keyId: KEY_ID,
      privateKey: pem,
      development,
      fetch: apple.fetchImpl,
      now: () => NOW,
    });
    const verify = async (i: Parameters<AppleDeviceCheckVerifier['verify']>[0]) => {
      const result = await verifier.verify(i);
      expect(apple.violations).toEqual([]);
      return result;
    };
    return { verifier: { verify }, apple };
  };

  it('200 OK → verified, with a signed ES256 provider token and the documented body', async () => {
    const { verifier, apple } = make({ status: 200 });
    expect(await verifier.verify(input)).toBe('verified');
    expect(apple.calls[0]!.body.device_token).toBe(input.token);
  });

  it('uses the development host when configured', async () => {
    const { verifier } = make({ status: 200 }, true);
    expect(await verifier.verify(input)).toBe('verified');
  });

  it('400 bad device token → failed', async () => {
    const { verifier } = make({ status: 400, body: 'Missing or incorrectly formatted device token payload' });
    expect(await verifier.verify(input)).toBe('failed');
  });

  it('400 about our authorization token or timestamp → unverifiable (not the device’s fault)', async () => {
    expect(
      await make({ status: 400, body: 'Missing or badly formatted authorization token' }).verifier.verify(
        input,
      ),
    ).toBe('unverifiable');
    expect(await make({ status: 400, body: 'Bad Timestamp' }).verifier.verify(input)).toBe('unverifiable');
  });

  it('401, 429, 500 and network errors → unverifiable', async () => {
    expect(
      await make({ status: 401, body: 'Unable to verify authorization token' }).verifier.verify(input),
    ).toBe('unverifiable');
    expect(await make({ status: 429, body: 'Too many requests' }).verifier.verify(input)).toBe(
      'unverifiable',
    );
    expect(await make({ status: 500, body: 'Server error' }).verifier.verify(input)).toBe('unverifiable');
    expect(await make('network-error').verifier.verify(input)).toBe('unverifiable');
  });

  it('reuses the provider token across calls and uses a fresh transaction id each time', async () => {
    const { verifier, apple } = make({ status: 200 });
    await verifier.verify(input);
    await verifier.verify(input);
    expect(apple.calls[0]!.jwt).toBe(apple.calls[1]!.jwt);
    expect(apple.calls[0]!.body.transaction_id).not.toBe(apple.calls[1]!.body.transaction_id);
  });

  it('accepts a PEM with literal \\n (single-line env value)', async () => {
    const apple = fakeApple(publicKey, { status: 200 });
    const verifier = new AppleDeviceCheckVerifier({
      teamId: TEAM_ID,
      keyId: KEY_ID,
      privateKey: pem.replace(/\n/g, '\\n'),
      fetch: apple.fetchImpl,
      now: () => NOW,
    });
    expect(await verifier.verify(input)).toBe('verified');
  });

  it('a broken key is unverifiable, never a crash; other platforms are not its business', async () => {
    const verifier = new AppleDeviceCheckVerifier({
      teamId: TEAM_ID,
      keyId: KEY_ID,
      privateKey: 'not a key',
      fetch: (() => {
        throw new Error('must not be called');
      }) as typeof fetch,
    });
    expect(await verifier.verify(input)).toBe('unverifiable');
    expect(await verifier.verify({ ...input, platform: 'android' })).toBe('unverifiable');
  });

  it('from env: DeviceCheck only with all three settings, else the local default', () => {
    const base = { APPLE_DEVICECHECK_DEVELOPMENT: false };
    const full = {
      ...base,
      APPLE_TEAM_ID: TEAM_ID,
      APPLE_DEVICECHECK_KEY_ID: KEY_ID,
      APPLE_DEVICECHECK_PRIVATE_KEY: pem,
    };
    expect(appleAttestationFromEnv(full)).toBeInstanceOf(AppleDeviceCheckVerifier);
    expect(appleAttestationFromEnv(base)).toBeInstanceOf(LocalAttestation);
    expect(appleAttestationFromEnv({ ...full, APPLE_DEVICECHECK_PRIVATE_KEY: undefined })).toBeInstanceOf(
      LocalAttestation,
    );
  });
});
