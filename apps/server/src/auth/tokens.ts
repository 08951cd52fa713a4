import { createHash, randomBytes } from 'node:crypto';
import type { JwtClaims } from '@ipelya/db';
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { DomainError } from '../errors.ts';

export type TokenVerifier = (token: string) => Promise<JwtClaims>;

const encoder = new TextEncoder();

/** HS256 access tokens, shaped like Supabase Auth's (aud, role, session_id, aal, amr …). */
export async function signAccessToken(secret: string, issuer: string, claims: JwtClaims, ttlSeconds: number) {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ttlSeconds;
  const token = await new SignJWT({ ...claims, iat: now, exp, iss: issuer })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(encoder.encode(secret));
  return { token, expiresAt: exp };
}

/**
 * Verifies tokens either with the shared secret (embedded server, or a Supabase project's legacy JWT secret)
 * or with the project's JWKS (Supabase's asymmetric signing keys). Only `authenticated` and `anon` pass.
 */
export function createTokenVerifier(opts: { secret?: string; jwksUrl?: string }): TokenVerifier {
  const jwks: JWTVerifyGetKey | undefined = opts.jwksUrl
    ? createRemoteJWKSet(new URL(opts.jwksUrl))
    : undefined;
  const secret = opts.secret ? encoder.encode(opts.secret) : undefined;
  return async (token) => {
    let payload: JWTPayload;
    try {
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
        alg?: string;
      };
      if (header.alg === 'HS256' && secret) {
        ({ payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] }));
      } else if (jwks) {
        ({ payload } = await jwtVerify(token, jwks, { algorithms: ['RS256', 'ES256'] }));
      } else {
        throw new Error('unsupported token algorithm');
      }
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new DomainError(
        'unauthenticated',
        expired ? 'token_expired' : 'invalid_token',
        expired ? 'access token has expired' : 'invalid access token',
      );
    }
    if (payload.role !== 'authenticated' && payload.role !== 'anon') {
      throw new DomainError('unauthenticated', 'invalid_token', 'token role is not accepted here');
    }
    if (payload.role === 'authenticated' && typeof payload.sub !== 'string') {
      throw new DomainError('unauthenticated', 'invalid_token', 'token has no subject');
    }
    return payload as JwtClaims;
  };
}

/**
 * Remembers verified tokens for the rest of their lifetime (never past `exp`, at most `maxAgeMs`), in a
 * least-recently-used map of at most `maxEntries`. The key is the whole token, so a hit is the same bytes that
 * already passed the signature check; only successes are remembered. Revocation is not this cache's job: the
 * session check (SessionGate) runs on every request whatever this answers. `maxAgeMs` bounds how long a token
 * signed by a key later dropped from the JWKS keeps working here (jose caches the JWKS for 10 minutes anyway).
 */
export function cachedTokenVerifier(
  inner: TokenVerifier,
  opts: { maxEntries: number; maxAgeMs?: number; now?: () => number },
): TokenVerifier & { readonly size: number } {
  const now = opts.now ?? Date.now;
  const maxAge = opts.maxAgeMs ?? 10 * 60_000;
  const verified = new Map<string, { claims: JwtClaims; until: number }>();
  const verify = async (token: string) => {
    const hit = verified.get(token);
    if (hit) {
      verified.delete(token);
      if (hit.until > now()) {
        verified.set(token, hit);
        // A copy: a handler that adds to its claims must not change what the next request gets.
        return { ...hit.claims };
      }
    }
    const claims = await inner(token);
    const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : Number.POSITIVE_INFINITY;
    const until = Math.min(exp, now() + maxAge);
    if (opts.maxEntries > 0 && until > now()) {
      verified.set(token, { claims: { ...claims }, until });
      while (verified.size > opts.maxEntries) verified.delete(verified.keys().next().value as string);
    }
    return claims;
  };
  return Object.defineProperty(verify, 'size', { get: () => verified.size }) as TokenVerifier & {
    readonly size: number;
  };
}

/** Opaque refresh token; only its SHA-256 is stored. */
export function newRefreshToken(): string {
  return randomBytes(24).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
