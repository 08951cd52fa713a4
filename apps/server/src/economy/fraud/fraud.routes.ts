import { createRoute } from '@hono/zod-openapi';
import {
  FraudActionResultSchema,
  FraudBlockSchema,
  FraudCaseListQuerySchema,
  FraudCaseSchema,
  FraudReleaseSchema,
} from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../../http/middleware.ts';
import { bearerAuth, errors, json, router } from '../../http/openapi.ts';
import * as fraud from './fraud.service.ts';

const IdParam = z.object({ id: z.uuid() });
/** The body is optional: a bare POST releases or blocks (without a ban). */
const optionalBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: false },
});
const conflict = {
  409: json(
    z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
    'The case was already decided the other way',
  ),
};

/** Fraud review for admins (accounts.is_admin); everyone else gets 403. */
export function fraudRoutes(db: Database) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/fraud',
      tags: ['admin'],
      security: bearerAuth,
      request: { query: FraudCaseListQuerySchema },
      responses: {
        200: json(z.object({ items: z.array(FraudCaseSchema) }), 'Fraud cases, newest first'),
        ...errors,
      },
    }),
    async (c) => c.json({ items: await fraud.listCases(db, requireUser(c), c.req.valid('query')) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/fraud/{id}/release',
      tags: ['admin'],
      security: bearerAuth,
      description: 'Releases a case. A held purchase is credited now, exactly once.',
      request: { params: IdParam, ...optionalBody(FraudReleaseSchema) },
      responses: { 200: json(FraudActionResultSchema, 'Released'), ...errors, ...conflict },
    }),
    async (c) =>
      c.json(
        await fraud.releaseCase(
          db,
          requireUser(c),
          c.req.valid('param').id,
          c.req.valid('json'),
          c.get('requestId'),
        ),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/fraud/{id}/block',
      tags: ['admin'],
      security: bearerAuth,
      description: 'Blocks a case: a held purchase is never credited; `ban` also suspends the account.',
      request: { params: IdParam, ...optionalBody(FraudBlockSchema) },
      responses: { 200: json(FraudActionResultSchema, 'Blocked'), ...errors, ...conflict },
    }),
    async (c) =>
      c.json(
        await fraud.blockCase(
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
