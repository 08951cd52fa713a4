import { randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Database, JwtClaims } from '@ipelya/db';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { SessionGate } from '../auth/session-gate.ts';
import type { TokenVerifier } from '../auth/tokens.ts';
import { DomainError } from '../errors.ts';
import type { SocialFirewall } from '../firewall/social-firewall.ts';
import type { AppEnv } from './context.ts';

/**
 * Request id (honouring a sane incoming x-request-id), the client IP, a child logger and one access-log line
 * per request.
 */
export function requestContext(log: Logger, trustProxyHops = 0): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.set('log', log.child({ request_id: requestId }));
    c.set('claims', null);
    c.set('ip', clientIp(c, trustProxyHops));
    const started = performance.now();
    c.header('x-request-id', requestId);
    await next();
    c.get('log').info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  };
}

/**
 * The socket address, or with N trusted proxies the X-Forwarded-For entry the outermost of them appended
 * (entries further left are whatever the client claimed).
 */
// biome-ignore lint/suspicious/noExplicitAny: hono's Context generic varies by route
function clientIp(c: any, trustProxyHops: number): string | null {
  if (trustProxyHops > 0) {
    const forwarded = ((c.req.header('x-forwarded-for') as string | undefined) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (forwarded.length) return forwarded[Math.max(0, forwarded.length - trustProxyHops)]!;
  }
  try {
    const addr = getConnInfo(c).remote.address;
    return addr ? addr.replace(/^::ffff:/, '') : null;
  } catch {
    return null; // not running on Node (Deno edge function)
  }
}

/**
 * Verifies the bearer token. An anon key (role anon) or no token means an anonymous request; an invalid or
 * revoked token is a 401, never silently anonymous. Verification and the session check are cached
 * (cachedTokenVerifier, SessionGate; decision 024); without a gate the session is asked every time.
 */
export function authenticate(
  verify: TokenVerifier,
  db: Database,
  firewall?: SocialFirewall,
  sessions?: SessionGate,
): MiddlewareHandler<AppEnv> {
  const isActive = (claims: JwtClaims) =>
    sessions
      ? sessions.isActive(claims)
      : db.asUser(claims, async (tx) => {
          const { rows } = await tx.query<{ ok: boolean }>('select public.is_session_active($1) as ok', [
            claims.session_id ?? null,
          ]);
          return rows[0]?.ok === true;
        });
  return async (c, next) => {
    const header = c.req.header('authorization');
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    if (token) {
      const claims = await verify(token);
      if (claims.role === 'authenticated') {
        const active = await isActive(claims);
        if (!active)
          throw new DomainError('unauthenticated', 'session_revoked', 'this session has been signed out');
        c.set('claims', claims);
        // The access log names the active persona only, never the account behind it (decision 014).
        c.get('log').setBindings?.({ persona: claims.persona_id });
        // Before the handler runs, so the firewall already knows this user's identity and network.
        await firewall
          ?.observe(claims, c.get('ip'))
          .catch((err) => c.get('log').warn({ err }, 'firewall observation failed'));
      }
    }
    await next();
  };
}

/**
 * Fixed-window limiter for writes, per user (or IP when anonymous). Per process: with several API nodes the
 * effective limit multiplies by the node count; auth limits, which matter most, live in the database.
 */
export function writeRateLimit(perMinute: number): MiddlewareHandler<AppEnv> {
  const windows = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const key = c.get('claims')?.sub ?? c.get('ip') ?? 'unknown';
    const now = Date.now();
    const w = windows.get(key);
    if (!w || now - w.start > 60_000) {
      windows.set(key, { start: now, count: 1 });
      if (windows.size > 50_000) windows.clear();
    } else if (++w.count > perMinute) {
      throw new DomainError('rate_limited', 'rate_limited', 'too many requests; slow down');
    }
    return next();
  };
}

export function requireUser(c: { get(key: 'claims'): AppEnv['Variables']['claims'] }) {
  const claims = c.get('claims');
  if (!claims) throw new DomainError('unauthenticated', 'unauthenticated', 'sign in first');
  return claims;
}
