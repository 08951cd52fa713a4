import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Database } from '@ipelya/db';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Logger } from 'pino';
import { accountRoutes } from '../account/account.routes.ts';
import { authRoutes } from '../auth/auth.routes.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { LocalOutbox } from '../auth/otp-delivery.ts';
import type { TokenVerifier } from '../auth/tokens.ts';
import { contentRoutes } from '../content/content.routes.ts';
import type { AttestationVerifier } from '../devices/attestation.ts';
import { deviceRoutes } from '../devices/devices.routes.ts';
import { coinPackageAdminRoutes } from '../economy/coin-packages.routes.ts';
import { economyRoutes } from '../economy/economy.routes.ts';
import { fraudRoutes } from '../economy/fraud/fraud.routes.ts';
import type { PayoutProviders } from '../economy/payouts/payout-providers.ts';
import { payoutRoutes } from '../economy/payouts/payouts.routes.ts';
import type { Env } from '../env.ts';
import { DomainError } from '../errors.ts';
import { firewallRoutes } from '../firewall/firewall.routes.ts';
import type { SocialFirewall } from '../firewall/social-firewall.ts';
import { matchRoutes } from '../match/match.routes.ts';
import { messagingRoutes } from '../messaging/messaging.routes.ts';
import { notificationRoutes } from '../notifications/notifications.routes.ts';
import { profileRoutes } from '../profiles/profiles.routes.ts';
import { blockRoutes } from '../safety/blocks.routes.ts';
import { reportRoutes } from '../safety/reports.routes.ts';
import { screenshotRoutes } from '../safety/screenshots.routes.ts';
import type { Storage } from '../storage/storage.ts';
import type { AppEnv } from './context.ts';
import { docsRoutes } from './docs.ts';
import { apiErrorResponse } from './errors.ts';
import { healthRoutes } from './health.routes.ts';
import { rejectNulInUrl } from './input-guard.ts';
import { authenticate, requestContext, writeRateLimit } from './middleware.ts';
import { router } from './openapi.ts';

export type HttpDeps = {
  env: Env;
  db: Database;
  log: Logger;
  verify: TokenVerifier;
  /** Present in embedded auth mode only. */
  auth: AuthService | null;
  outbox: LocalOutbox | null;
  attestation: AttestationVerifier;
  firewall: SocialFirewall;
  /** Which payout providers a creator may choose (never `local` in production). */
  payoutProviders?: PayoutProviders;
  /** Object storage, for deleting an account's bytes right after its rows (else the purge jobs do). */
  storage?: Storage;
  /** Extra /api routers (storage …) mounted beside the core ones. */
  extraApi?: OpenAPIHono<AppEnv>[];
  /** Extra top-level routers (e.g. /storage/v1 signed URL endpoints). */
  extraRoot?: { path: string; app: Hono<AppEnv> }[];
};

function corsOrigin(env: Env) {
  const allowed = env.CORS_ORIGINS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return (origin: string) => {
    if (allowed.length) return allowed.includes(origin) ? origin : null;
    return /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin) ? origin : null;
  };
}

/** The whole HTTP surface: Supabase-compatible auth, the OpenAPI-described /api, docs. Runs on Node and Deno. */
export function createHttpApp(deps: HttpDeps) {
  const { env, db, log } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requestContext(log, env.TRUST_PROXY_HOPS));
  app.use(
    '*',
    cors({
      origin: corsOrigin(env),
      allowHeaders: [
        'authorization',
        'apikey',
        'content-type',
        'x-client-info',
        'x-supabase-api-version',
        'x-request-id',
        'x-ipelya-device',
        'x-ipelya-platform',
        'idempotency-key',
      ],
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposeHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    }),
  );
  app.use('*', rejectNulInUrl());
  app.onError((err, c) => apiErrorResponse(c, err));
  app.notFound((c) =>
    apiErrorResponse(
      c,
      new DomainError('not_found', 'not_found', `no route for ${c.req.method} ${c.req.path}`),
    ),
  );

  if (deps.auth) {
    // Its body limit sits inside authRoutes, ahead of the routes; the outbox only in the local profile.
    app.route('/auth/v1', authRoutes(deps.auth, deps.verify, env.profile === 'local' ? deps.outbox : null));
  }
  // Never in production (decision 012): these would hand anyone's sign-in code to anyone.
  if (deps.outbox && env.profile === 'local') {
    const outbox = deps.outbox;
    // Development aid for the embedded default only: the newest code sent to an address.
    app.get('/dev/outbox/latest', (c) => {
      const to = (c.req.query('to') ?? '').trim();
      const key = to.includes('@') ? to.toLowerCase() : `+${to.replace(/[^\d]/g, '')}`;
      const entry = outbox.latest(key);
      if (!entry) throw new DomainError('not_found', 'not_found', 'no code was sent to this address');
      return c.json(entry);
    });
  }

  const api = router();
  api.use(
    '*',
    bodyLimit({
      maxSize: env.BODY_LIMIT_BYTES,
      onError: () => {
        throw new DomainError(
          'payload_too_large',
          'payload_too_large',
          `request body exceeds ${env.BODY_LIMIT_BYTES} bytes`,
        );
      },
    }),
  );
  api.use('*', authenticate(deps.verify, db, deps.firewall));
  api.use('*', writeRateLimit(env.WRITE_RATE_PER_MINUTE));
  api.route('/', healthRoutes(db));
  api.route('/', profileRoutes(db, deps.auth));
  api.route('/', contentRoutes(db));
  api.route('/', notificationRoutes(db));
  api.route('/', reportRoutes(db));
  api.route('/', screenshotRoutes(db));
  api.route('/', blockRoutes(db));
  api.route('/', firewallRoutes(db, deps.firewall));
  api.route('/', deviceRoutes(db, deps.attestation));
  api.route('/', matchRoutes(db));
  api.route('/', messagingRoutes(db, deps.storage?.sealer));
  api.route('/', economyRoutes(db));
  api.route('/', coinPackageAdminRoutes(db));
  api.route('/', fraudRoutes(db));
  api.route('/', payoutRoutes(db, deps.payoutProviders));
  api.route('/', accountRoutes(db, deps.auth, deps.storage, deps.outbox));
  for (const extra of deps.extraApi ?? []) api.route('/', extra);
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.route('/api', api);
  for (const extra of deps.extraRoot ?? []) app.route(extra.path, extra.app);

  const document = api.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'İpelya API',
      version: '0.1.0',
      description: 'Every user request runs under row-level security as the signed-in persona.',
    },
    servers: [{ url: `${env.PUBLIC_URL}/api` }],
  });
  app.get('/openapi.json', (c) => c.json(document));
  app.route('/docs', docsRoutes());
  app.get('/', (c) =>
    c.json({ name: 'İpelya API', docs: '/docs', openapi: '/openapi.json', auth: '/auth/v1', api: '/api' }),
  );
  return app;
}
