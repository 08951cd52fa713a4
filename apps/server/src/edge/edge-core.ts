import { timingSafeEqual } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverJobs } from '../domains.ts';
import { type Env, loadEnv } from '../env.ts';
import { createHttpApp } from '../http/app.ts';
import { createCore, type ServerCore } from '../server.ts';

/**
 * The server core for Supabase Edge Functions (Deno). Runtime-agnostic on purpose: the Deno entry files in
 * supabase/functions pass `Deno.env.toObject()` in, so this file type-checks and runs under Node as well.
 */

export type EnvSource = Record<string, string | undefined>;
export type FetchHandler = (req: Request) => Promise<Response>;

/** Header pg_cron sends with the CRON_SECRET (from Vault); `Authorization: Bearer <service role key>` also works. */
export const CRON_SECRET_HEADER = 'x-cron-secret';

/**
 * Maps what Supabase injects into edge functions onto the server's own settings and picks edge defaults.
 * Explicit settings always win; only absent ones are filled in.
 */
export function edgeEnv(source: EnvSource): Env {
  const s: EnvSource = { ...source };
  // Supabase gives every function the project's database as SUPABASE_DB_URL.
  const onSupabase = !s.DATABASE_URL && Boolean(s.SUPABASE_DB_URL);
  if (onSupabase) s.DATABASE_URL = s.SUPABASE_DB_URL;
  // On Supabase, Supabase Auth issues the tokens; this code only verifies them (JWKS at SUPABASE_URL).
  if (onSupabase) s.AUTH_MODE ??= 'supabase';
  // A Supabase project is a production deployment: nothing local (checkout, payouts, demo data) is served.
  if (onSupabase) s.IPELYA_PROFILE ??= 'production';
  // Requests reach an edge function through Supabase's gateway, which appends the caller to X-Forwarded-For.
  if (onSupabase) s.TRUST_PROXY_HOPS ??= '1';
  // Only /tmp is writable in an edge isolate, and nothing on disk outlives it.
  s.DATA_DIR ??= join(tmpdir(), 'ipelya-edge');
  s.EMBEDDED_DB ??= 'memory';
  s.SEED_DEMO_DATA ??= 'false';
  // Jobs run when pg_cron calls their function, never on timers inside an isolate.
  s.RUN_JOBS = 'false';
  // Each isolate is one small client of the database; many isolates share its connection limit.
  s.DATABASE_POOL_SIZE ??= '3';
  // On Supabase the migrations are applied by `supabase db push`, not at every cold start, and the deployed
  // bundle does not carry supabase/migrations: migrate against an empty directory (a no-op on an up-to-date db).
  const migrate = (s.EDGE_APPLY_MIGRATIONS ?? (onSupabase ? 'false' : 'true')) === 'true';
  if (!migrate) s.MIGRATIONS_DIR = mkdtempSync(join(tmpdir(), 'ipelya-no-migrations-'));
  return loadEnv(s);
}

let core: Promise<ServerCore> | null = null;

/** One core per isolate: the first request (or import) builds it, later ones reuse it. A failed boot is retried. */
export function edgeCore(source: EnvSource): Promise<ServerCore> {
  if (!core) {
    core = (async () => createCore(edgeEnv(source)))();
    core.catch(() => {
      core = null;
    });
  }
  return core;
}

/** Drops the path prefix a function is reached under (`/api/...` for the `api` function) before routing. */
export function stripPrefix(req: Request, prefix: string): Request {
  const url = new URL(req.url);
  if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return req;
  url.pathname = url.pathname.slice(prefix.length) || '/';
  return new Request(url, req);
}

function bootFailure(err: unknown): Response {
  console.error('edge function failed to start', err);
  return Response.json(
    { error: { code: 'unavailable', message: 'the service is starting or misconfigured' } },
    { status: 503 },
  );
}

/**
 * The whole HTTP app as one function. Supabase hands a function its requests as `/<function-name>/...`, so
 * `https://<ref>.supabase.co/functions/v1/api` becomes the server root: `/api/health`, `/auth/v1/otp` …
 */
export function apiHandler(source: EnvSource, functionName = 'api'): FetchHandler {
  const app = edgeCore(source).then((c) => createHttpApp(c));
  app.catch(() => {}); // reported per request below
  return async (req) => {
    let fetch: (r: Request) => Response | Promise<Response>;
    try {
      fetch = (await app).fetch;
    } catch (err) {
      return bootFailure(err);
    }
    return fetch(stripPrefix(req, `/${functionName}`));
  };
}

/**
 * One route of the HTTP app as its own function: `/<function-name>/rest` is served as `<target>/rest`, e.g.
 * `payment-webhook/stripe` → `/webhooks/stripe`, `coin-purchase` → `/api/purchases/checkout`.
 */
export function routeHandler(source: EnvSource, functionName: string, target: string): FetchHandler {
  const app = edgeCore(source).then((c) => createHttpApp(c));
  app.catch(() => {});
  return async (req) => {
    let fetch: (r: Request) => Response | Promise<Response>;
    try {
      fetch = (await app).fetch;
    } catch (err) {
      return bootFailure(err);
    }
    const url = new URL(stripPrefix(req, `/${functionName}`).url);
    url.pathname = `${target}${url.pathname === '/' ? '' : url.pathname}`;
    return fetch(new Request(url, req));
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** pg_cron (via pg_net) must prove itself: the CRON_SECRET header, or the service-role key as bearer token. */
export function jobCallerAllowed(req: Request, source: EnvSource): boolean {
  const secrets: { given: string | null; expected: string | undefined }[] = [
    { given: req.headers.get(CRON_SECRET_HEADER), expected: source.CRON_SECRET },
    {
      given: req.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? null,
      expected: source.SUPABASE_SERVICE_ROLE_KEY,
    },
  ];
  return secrets.some(({ given, expected }) =>
    Boolean(given && expected && expected.length >= 16 && sameSecret(given, expected)),
  );
}

/** One background job as a function: each authorised request runs it once and answers `{ handled }`. */
export function jobHandler(jobName: string, source: EnvSource): FetchHandler {
  const booting = edgeCore(source);
  booting.catch(() => {});
  return async (req) => {
    if (!jobCallerAllowed(req, source)) {
      return Response.json(
        {
          error: {
            code: 'unauthenticated',
            message: `send the ${CRON_SECRET_HEADER} header or the service-role key`,
          },
        },
        { status: 401 },
      );
    }
    let c: ServerCore;
    try {
      c = await booting;
    } catch (err) {
      return bootFailure(err);
    }
    // 'plain' VACUUM: an isolate never rewrites whole tables (the Node server defaults to FULL on PGlite).
    const job = serverJobs({ ...c, privacyVacuum: 'plain' }).find((j) => j.name === jobName);
    if (!job)
      return Response.json({ error: { code: 'not_found', message: `no job ${jobName}` } }, { status: 404 });
    try {
      // Run directly rather than through Scheduler.runOnce, which swallows errors: cron should see a 500.
      const handled = await job.run();
      if (handled > 0) c.log.info({ job: jobName, handled }, 'job ran');
      return Response.json({ handled });
    } catch (err) {
      c.log.error({ err, job: jobName }, 'job failed');
      return Response.json(
        { error: { code: 'internal', message: `job ${jobName} failed` } },
        { status: 500 },
      );
    }
  };
}
