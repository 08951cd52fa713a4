import { DEVICE_HEADER, PLATFORM_HEADER, PlatformSchema } from '@ipelya/contracts';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { DomainError } from '../errors.ts';
import type { AppEnv } from '../http/context.ts';
import { retryAfter, statusFor, toDomainError } from '../http/errors.ts';
import { nulField } from '../http/input-guard.ts';
import type { AuthService, RequestContext } from './auth.service.ts';
import { type Identifier, normalizeEmail, normalizePhone } from './identifiers.ts';
import type { LocalOutbox } from './otp-delivery.ts';
import type { TokenVerifier } from './tokens.ts';

const OtpBody = z.object({
  email: z.string().max(320).optional(),
  phone: z.string().max(32).optional(),
  create_user: z.boolean().optional(),
  channel: z.enum(['sms', 'whatsapp']).optional(),
});
const VerifyBody = z.object({
  email: z.string().max(320).optional(),
  phone: z.string().max(32).optional(),
  token: z.string().max(64),
  type: z.enum(['email', 'magiclink', 'signup', 'sms', 'phone_change', 'email_change', 'recovery', 'invite']),
});
const RefreshBody = z.object({ refresh_token: z.string().min(1).max(512) });

export const AUTH_BODY_LIMIT_BYTES = 16 * 1024;

/** GoTrue's error JSON (what auth-js parses): { code, error_code, msg }. */
function gotrueError(c: Context<AppEnv>, err: unknown) {
  const known = toDomainError(err, c.get('sqlErrors'));
  if (!known) {
    c.get('log').error({ err }, 'auth error');
    return c.json({ code: 500, error_code: 'unexpected_failure', msg: 'Unexpected failure' }, 500);
  }
  const status =
    known.code === 'refresh_token_not_found' || known.code === 'refresh_token_already_used'
      ? 400
      : statusFor(known.kind);
  if (known.kind === 'rate_limited') c.header('retry-after', retryAfter(known));
  if (known.kind === 'payload_too_large') c.header('connection', 'close');
  return c.json({ code: status, error_code: known.code, msg: known.message }, status);
}

function identifierFrom(body: { email?: string; phone?: string }): Identifier {
  if (body.email && body.phone)
    throw new DomainError(
      'validation',
      'validation_failed',
      'Only an email address or phone number should be provided',
    );
  if (body.email) return { channel: 'email', email: normalizeEmail(body.email) };
  if (body.phone) return { channel: 'sms', phone: normalizePhone(body.phone) };
  throw new DomainError('validation', 'validation_failed', 'An email address or phone number is required');
}

function requestContext(c: Context<AppEnv>): RequestContext {
  const installId = c.req.header(DEVICE_HEADER);
  const platform = PlatformSchema.safeParse(c.req.header(PLATFORM_HEADER) ?? 'web');
  const device =
    installId && /^[\w-]{8,128}$/.test(installId) && platform.success
      ? { installId, platform: platform.data }
      : null;
  return { ip: c.get('ip'), userAgent: c.req.header('user-agent') ?? null, device };
}

async function json<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.infer<T>> {
  const raw = await c.req.json().catch(() => {
    throw new DomainError('validation', 'bad_json', 'Could not parse request body as JSON');
  });
  const nul = nulField(raw);
  if (nul !== null)
    throw new DomainError('validation', 'validation_failed', `${nul}: must not contain NUL characters`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new DomainError('validation', 'validation_failed', `${i?.path.join('.') || 'body'}: ${i?.message}`);
  }
  return parsed.data;
}

/**
 * The subset of the Supabase Auth (GoTrue) HTTP API that supabase-js uses for OTP sign-in, mounted at
 * /auth/v1. Request and response shapes follow GoTrue so supabase-js works unchanged.
 */
export function authRoutes(auth: AuthService, verify: TokenVerifier, outbox: LocalOutbox | null) {
  const app = new Hono<AppEnv>();
  app.onError((err, c) => gotrueError(c, err));
  // Before the routes, or it never runs for them: auth bodies are a few hundred bytes, refuse big ones unread.
  app.use(
    '*',
    bodyLimit({
      maxSize: AUTH_BODY_LIMIT_BYTES,
      onError: () => {
        throw new DomainError('payload_too_large', 'payload_too_large', 'request body is too large');
      },
    }),
  );

  const bearer = async (c: Context<AppEnv>) => {
    const h = c.req.header('authorization');
    if (!h?.startsWith('Bearer '))
      throw new DomainError('unauthenticated', 'no_authorization', 'This endpoint requires a Bearer token');
    const claims = await verify(h.slice(7));
    if (claims.role !== 'authenticated')
      throw new DomainError('forbidden', 'bad_jwt', 'invalid JWT: not a user token');
    return claims;
  };

  app.get('/health', (c) =>
    c.json({ name: 'GoTrue', description: 'İpelya embedded auth', version: 'ipelya' }),
  );
  app.get('/settings', (c) =>
    c.json({
      external: { email: true, phone: true },
      disable_signup: false,
      mailer_autoconfirm: false,
      phone_autoconfirm: false,
      sms_provider: 'ipelya',
    }),
  );

  app.post('/otp', async (c) => {
    const body = await json(c, OtpBody);
    const { messageId } = await auth.requestOtp(
      identifierFrom(body),
      body.create_user ?? true,
      requestContext(c),
    );
    return c.json(messageId ? { message_id: messageId } : {});
  });

  app.post('/verify', async (c) => {
    const body = await json(c, VerifyBody);
    const id = identifierFrom(body);
    const emailTypes = ['email', 'magiclink', 'signup'];
    if (
      (id.channel === 'email') !== emailTypes.includes(body.type) ||
      !['email', 'magiclink', 'signup', 'sms'].includes(body.type)
    ) {
      throw new DomainError(
        'validation',
        'validation_failed',
        `Verify type ${body.type} is not supported for this identifier`,
      );
    }
    return c.json(await auth.verifyOtp(id, body.token.trim(), requestContext(c)));
  });

  app.post('/token', async (c) => {
    const grant = c.req.query('grant_type');
    if (grant !== 'refresh_token') {
      throw new DomainError(
        'validation',
        'unsupported_grant_type',
        `grant_type ${grant ?? '(none)'} is not supported here`,
      );
    }
    const body = await json(c, RefreshBody);
    return c.json(await auth.refresh(body.refresh_token));
  });

  app.post('/logout', async (c) => {
    const claims = await bearer(c);
    const scope = c.req.query('scope') ?? 'global';
    if (scope !== 'global' && scope !== 'local' && scope !== 'others') {
      throw new DomainError('validation', 'validation_failed', 'scope must be global, local or others');
    }
    await auth.logout(claims, scope);
    return c.body(null, 204);
  });

  app.get('/user', async (c) => c.json(await auth.getUser(await bearer(c))));

  // Development only (embedded delivery): the latest code sent to an address, for tests and local e2e.
  if (outbox) {
    app.get('/dev/outbox/latest', (c) => {
      const to = c.req.query('to') ?? '';
      const entry = outbox.latest(
        to.includes('@') ? to.trim().toLowerCase() : `+${to.replace(/[^\d]/g, '')}`,
      );
      return entry
        ? c.json(entry)
        : c.json({ code: 404, error_code: 'not_found', msg: 'no code sent to this address' }, 404);
    });
  }
  return app;
}
