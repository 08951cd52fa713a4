import { Hono } from 'hono';
import type { DomainCore, RootRouter } from '../domain-module.ts';
import { defineDomain } from '../domain-module.ts';
import { DomainError } from '../errors.ts';
import type { AppEnv } from '../http/context.ts';
import { authRoutes } from './auth.routes.ts';
import type { LocalOutbox } from './otp-delivery.ts';

/** Development aid for the embedded default only: the newest code sent to an address. */
function devOutboxRoutes(outbox: LocalOutbox) {
  const app = new Hono<AppEnv>();
  app.get('/outbox/latest', (c) => {
    const to = (c.req.query('to') ?? '').trim();
    const key = to.includes('@') ? to.toLowerCase() : `+${to.replace(/[^\d]/g, '')}`;
    const entry = outbox.latest(key);
    if (!entry) throw new DomainError('not_found', 'not_found', 'no code was sent to this address');
    return c.json(entry);
  });
  return app;
}

function rootRouters(c: DomainCore): RootRouter[] {
  const out: RootRouter[] = [];
  const local = c.env.profile === 'local';
  // Present in embedded auth mode only. Its body limit sits inside authRoutes; the outbox only locally.
  if (c.auth) out.push({ path: '/auth/v1', app: authRoutes(c.auth, c.verify, local ? c.outbox : null) });
  // Never in production (decision 012): these would hand anyone's sign-in code to anyone.
  if (c.outbox && local) out.push({ path: '/dev', app: devOutboxRoutes(c.outbox) });
  return out;
}

/** Supabase-compatible embedded auth (sign-in codes, sessions) when AUTH_MODE=embedded. */
export const authModule = defineDomain({
  name: 'auth',
  root: rootRouters,
  jobs: (c) => {
    const auth = c.auth;
    return auth ? [{ name: 'auth-cleanup', intervalMs: 60 * 60_000, run: () => auth.purgeExpired() }] : [];
  },
  // After the others: sessions end and the embedded auth's OTP challenges and rate limits go (keyed by address).
  accountDeletion: [{ sql: 'select path from public.delete_account_personas() as path', after: ['storage'] }],
});
