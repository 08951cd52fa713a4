import { createRoute } from '@hono/zod-openapi';
import { ReportScreenshotSchema, ScreenshotReportedSchema } from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import { reportScreenshot } from './screenshots.service.ts';

export function screenshotRoutes(db: Database) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/screenshots',
      tags: ['safety'],
      security: bearerAuth,
      request: jsonBody(ReportScreenshotSchema),
      responses: {
        201: json(ScreenshotReportedSchema, 'Recorded; the owner of the captured content is notified'),
        ...errors,
      },
    }),
    async (c) => c.json(await reportScreenshot(db, requireUser(c), c.req.valid('json')), 201),
  );
  return app;
}
