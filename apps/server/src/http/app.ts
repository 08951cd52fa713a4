import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { DomainCore, DomainModule } from '../domain-module.ts';
import { apiRouters, domains, rootRouters, sqlErrorsOf } from '../domains.ts';
import type { Env } from '../env.ts';
import { DomainError } from '../errors.ts';
import type { AppEnv } from './context.ts';
import { docsRoutes } from './docs.ts';
import { apiErrorResponse } from './errors.ts';
import { healthRoutes } from './health.routes.ts';
import { rejectNulInUrl } from './input-guard.ts';
import { authenticate, requestContext, writeRateLimit } from './middleware.ts';
import { router } from './openapi.ts';

/** What the HTTP app is built from: the wired server core (see ServerCore in server.ts). */
export type HttpDeps = DomainCore;

function corsOrigin(env: Env) {
  const allowed = env.CORS_ORIGINS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return (origin: string) => {
    if (allowed.length) return allowed.includes(origin) ? origin : null;
    return /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin) ? origin : null;
  };
}

/**
 * The whole HTTP surface: every domain's routers (src/domains.ts: Supabase-compatible auth, the
 * OpenAPI-described /api, webhooks, storage URLs), docs. The one place routes are mounted. Runs on Node and Deno.
 */
export function createHttpApp(deps: HttpDeps, modules: readonly DomainModule[] = domains) {
  const { env, db, log } = deps;
  const app = new Hono<AppEnv>();
  const sqlErrors = sqlErrorsOf(modules);
  app.use('*', async (c, next) => {
    c.set('sqlErrors', sqlErrors);
    await next();
  });
  app.use('*', requestContext(log, env.TRUST_PROXY_HOPS));
  const corsHeaders = cors({
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
  });
  // Hono's cors touches c.res before the handler runs, which builds a throw-away Response and merges headers
  // into the real one afterwards (measurable per request, bench/gateway). A request without Origin is not a
  // CORS request (browsers send Origin on every cross-origin one), so it only needs the Vary header.
  app.use('*', (c, next) => {
    if (c.req.method === 'OPTIONS' || c.req.header('origin') !== undefined) return corsHeaders(c, next);
    c.header('Vary', 'Origin', { append: true });
    return next();
  });
  app.use('*', rejectNulInUrl());
  app.onError((err, c) => apiErrorResponse(c, err));
  app.notFound((c) =>
    apiErrorResponse(
      c,
      new DomainError('not_found', 'not_found', `no route for ${c.req.method} ${c.req.path}`),
    ),
  );

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
  api.use('*', authenticate(deps.verify, db, deps.firewall, deps.sessions));
  api.use('*', writeRateLimit(env.WRITE_RATE_PER_MINUTE));
  api.route('/', healthRoutes(db));
  for (const r of apiRouters(deps, modules)) api.route('/', r);
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.route('/api', api);
  for (const r of rootRouters(deps, modules)) app.route(r.path, r.app);

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
