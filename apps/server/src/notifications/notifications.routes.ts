import { createRoute } from '@hono/zod-openapi';
import { CursorQuerySchema, NotificationSchema, page } from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, router } from '../http/openapi.ts';
import { listNotifications, markAllRead } from './notifications.service.ts';

export function notificationRoutes(db: Database) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/notifications',
      tags: ['notifications'],
      security: bearerAuth,
      request: { query: CursorQuerySchema },
      responses: { 200: json(page(NotificationSchema), 'Your notifications, newest first'), ...errors },
    }),
    async (c) => c.json(await listNotifications(db, requireUser(c), c.req.valid('query')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/notifications/read',
      tags: ['notifications'],
      security: bearerAuth,
      responses: { 200: json(z.object({ updated: z.number() }), 'Marked read'), ...errors },
    }),
    async (c) => c.json({ updated: await markAllRead(db, requireUser(c)) }, 200),
  );
  return app;
}
