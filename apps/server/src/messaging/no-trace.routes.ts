import { createRoute } from '@hono/zod-openapi';
import { ApiErrorSchema, OpenedMediaSchema, SetTimerSchema, TimerStateSchema } from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import type { Storage } from '../storage/storage.ts';
import * as noTrace from './no-trace.service.ts';

const IdParam = z.object({ id: z.uuid() });

/** Self-destruct timers and view-once opening. */
export function noTraceRoutes(db: Database, storage: Storage) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'put',
      path: '/conversations/{id}/timer',
      tags: ['messaging'],
      security: bearerAuth,
      request: { params: IdParam, ...jsonBody(SetTimerSchema) },
      responses: { 200: json(TimerStateSchema, 'Applies to messages sent from now on'), ...errors },
    }),
    async (c) =>
      c.json(
        await noTrace.setTimer(db, requireUser(c), c.req.valid('param').id, c.req.valid('json').timer),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/messages/{id}/open',
      tags: ['messaging'],
      security: bearerAuth,
      request: { params: IdParam },
      responses: {
        200: json(OpenedMediaSchema, 'A signed URL for the view-once media, issued once'),
        ...errors,
        410: {
          content: { 'application/json': { schema: ApiErrorSchema } },
          description: 'Already opened',
        },
      },
    }),
    async (c) => {
      const r = await noTrace.openViewOnce(db, storage, requireUser(c), c.req.valid('param').id);
      if (r.gone)
        return c.json(
          { error: { code: 'already_opened', message: 'this view-once message was already opened' } },
          410,
        );
      return c.json({ url: r.url, expires_at: r.expires_at }, 200);
    },
  );
  return app;
}
