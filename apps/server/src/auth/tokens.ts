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

/** Opaque refresh token; only its SHA-256 is stored. */
export function newRefreshToken(): string {
  return randomBytes(24).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
