import { createRoute } from '@hono/zod-openapi';
import { ApiErrorSchema, DeleteAccountSchema, ShadowStateSchema } from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import type { AuthService } from '../auth/auth.service.ts';
import type { LocalOutbox } from '../auth/otp-delivery.ts';
import type { SessionGate } from '../auth/session-gate.ts';
import type { AccountDeletionStep } from '../domain-module.ts';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import type { Storage } from '../storage/storage.ts';
import * as account from './account.service.ts';

const conflict = {
  409: {
    content: { 'application/json': { schema: ApiErrorSchema } },
    description:
      'Money is still moving: payout_in_flight, earnings_pending, earnings_unpaid or purchase_in_flight (nothing was deleted)',
  },
};

/** Shadow persona on/off and account deletion. */
export function accountRoutes(
  db: Database,
  auth: AuthService | null,
  storage?: Storage,
  outbox?: LocalOutbox | null,
  /** Every domain's deletion steps, in order (from the registry). */
  deletionSteps: readonly AccountDeletionStep[] = [],
  sessions?: SessionGate,
) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/personas/shadow',
      tags: ['account'],
      security: bearerAuth,
      responses: { 200: json(ShadowStateSchema, 'Whether your shadow persona is on'), ...errors },
    }),
    async (c) => {
      const claims = requireUser(c);
      const shadow = await account.shadowStatus(db, claims);
      const persona = claims.persona === 'shadow' ? ('shadow' as const) : ('real' as const);
      return c.json({ shadow, persona, session: null, refresh_required: false }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/personas/shadow/off',
      tags: ['account'],
      security: bearerAuth,
      description:
        'Switches your shadow persona off, from either persona: nobody else sees it or its conversations, and its cached data (vectors, avatar, notifications it caused) is purged. A session in the shadow persona moves to real: embedded auth answers a fresh session, Supabase Auth answers refresh_required.',
      responses: { 200: json(ShadowStateSchema, 'The shadow persona is off'), ...errors },
    }),
    async (c) => {
      const claims = requireUser(c);
      await account.setShadowActive(db, claims, false);
      if (claims.persona !== 'shadow') {
        return c.json(
          { shadow: 'off' as const, persona: 'real' as const, session: null, refresh_required: false },
          200,
        );
      }
      const session = auth ? await auth.reissue(claims) : null;
      return c.json(
        { shadow: 'off' as const, persona: 'real' as const, session, refresh_required: session === null },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/personas/shadow/on',
      tags: ['account'],
      security: bearerAuth,
      responses: { 200: json(ShadowStateSchema, 'The shadow persona is on again'), ...errors },
    }),
    async (c) => {
      const claims = requireUser(c);
      await account.setShadowActive(db, claims, true);
      const persona = claims.persona === 'shadow' ? ('shadow' as const) : ('real' as const);
      return c.json({ shadow: 'active' as const, persona, session: null, refresh_required: false }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/account/delete',
      tags: ['account'],
      security: bearerAuth,
      description:
        'Deletes your account for good: both personas and everything they own, your conversations (for both sides), media, sessions and devices. Wallet coins and available earnings below the payout minimum are forfeited; while a payout, held earnings or a purchase are in flight the request is refused with 409.',
      request: jsonBody(DeleteAccountSchema),
      responses: {
        204: { description: 'Deleted; every token of the account stops working' },
        ...conflict,
        ...errors,
      },
    }),
    async (c) => {
      const claims = requireUser(c);
      await account.deleteAccount(db, storage, claims, outbox, deletionSteps);
      // Every session of the account is gone: its tokens stop at once in this process (decision 024).
      sessions?.forgetUser(claims.sub);
      return c.body(null, 204);
    },
  );

  return app;
}
