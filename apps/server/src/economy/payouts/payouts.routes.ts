import { createRoute } from '@hono/zod-openapi';
import {
  AdminPayoutQuerySchema,
  PayoutAccountInputSchema,
  PayoutAccountSchema,
  PayoutListSchema,
  PayoutSchema,
} from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../../http/openapi.ts';
import type { PayoutProviders } from './payout-providers.ts';
import * as payouts from './payouts.service.ts';

export function payoutRoutes(db: Database, providers?: PayoutProviders) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/payouts',
      tags: ['payouts'],
      security: bearerAuth,
      responses: { 200: json(PayoutListSchema, "The active persona's payouts with every step"), ...errors },
    }),
    async (c) => c.json({ items: await payouts.myPayouts(db, requireUser(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/payout-account',
      tags: ['payouts'],
      security: bearerAuth,
      description:
        'Where the active creator persona is paid: a Stripe connected account or an Iyzico recipient.',
      request: jsonBody(PayoutAccountInputSchema),
      responses: { 200: json(PayoutAccountSchema, 'Saved'), ...errors },
    }),
    async (c) =>
      c.json(
        await payouts.setPayoutAccount(db, requireUser(c), c.req.valid('json'), (name) =>
          providers ? providers.accepts(name) : true,
        ),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/payouts',
      tags: ['admin'],
      security: bearerAuth,
      request: { query: AdminPayoutQuerySchema },
      responses: { 200: json(PayoutListSchema, 'Payouts of every creator (admins only)'), ...errors },
    }),
    async (c) => c.json({ items: await payouts.adminPayouts(db, requireUser(c), c.req.valid('query')) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/payouts/{id}/approve',
      tags: ['admin'],
      security: bearerAuth,
      request: { params: z.object({ id: z.uuid() }) },
      responses: { 200: json(PayoutSchema, 'Approved: the payout is scheduled'), ...errors },
    }),
    async (c) => c.json(await payouts.approvePayout(db, requireUser(c), c.req.valid('param').id), 200),
  );
  return app;
}
