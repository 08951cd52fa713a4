import { createRoute } from '@hono/zod-openapi';
import {
  ReconciliationItemSchema,
  ReconciliationListQuerySchema,
  ReconciliationResultSchema,
  ResolveReconciliationSchema,
} from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../../http/openapi.ts';
import * as reconciliation from './reconciliation.service.ts';

/** The reconciliation queue for admins (accounts.is_admin); everyone else gets 403. */
export function reconciliationRoutes(db: Database) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/reconciliation',
      tags: ['admin'],
      security: bearerAuth,
      request: { query: ReconciliationListQuerySchema },
      responses: {
        200: json(z.object({ items: z.array(ReconciliationItemSchema) }), 'Items, newest first'),
        ...errors,
      },
    }),
    async (c) =>
      c.json(
        { items: await reconciliation.listReconciliation(db, requireUser(c), c.req.valid('query')) },
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/reconciliation/{id}/resolve',
      tags: ['admin'],
      security: bearerAuth,
      description:
        'credit: a payment held for an amount mismatch is credited now, exactly once; reject: never credited; dismiss.',
      request: { params: z.object({ id: z.uuid() }), ...jsonBody(ResolveReconciliationSchema) },
      responses: {
        200: json(ReconciliationResultSchema, 'Resolved'),
        409: json(
          z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
          'Already resolved',
        ),
        ...errors,
      },
    }),
    async (c) =>
      c.json(
        await reconciliation.resolveReconciliation(
          db,
          requireUser(c),
          c.req.valid('param').id,
          c.req.valid('json'),
          c.get('requestId'),
        ),
        200,
      ),
  );
  return app;
}
