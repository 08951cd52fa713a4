import { createRoute } from '@hono/zod-openapi';
import { CreateReportSchema } from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import { createReport } from './reports.service.ts';

export function reportRoutes(db: Database) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/reports',
      tags: ['safety'],
      security: bearerAuth,
      request: jsonBody(CreateReportSchema),
      responses: { 201: json(z.object({ id: z.uuid() }), 'Report filed'), ...errors },
    }),
    async (c) => c.json(await createReport(db, requireUser(c), c.req.valid('json')), 201),
  );
  return app;
}
