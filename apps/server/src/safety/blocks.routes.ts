import { createRoute } from '@hono/zod-openapi';
import { BlockedProfileSchema, BlockInputSchema } from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import * as blocks from './blocks.service.ts';

const ProfileParam = z.object({ id: z.uuid() });

export function blockRoutes(db: Database) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/blocks',
      tags: ['safety'],
      security: bearerAuth,
      responses: {
        200: json(z.object({ items: z.array(BlockedProfileSchema) }), "The active persona's blocks"),
        ...errors,
      },
    }),
    async (c) => c.json(await blocks.listBlocks(db, requireUser(c)), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/blocks',
      tags: ['safety'],
      security: bearerAuth,
      request: jsonBody(BlockInputSchema),
      responses: {
        201: json(BlockedProfileSchema, 'Blocked: you are hidden from this persona everywhere'),
        ...errors,
      },
    }),
    async (c) => c.json(await blocks.block(db, requireUser(c), c.req.valid('json').profile_id), 201),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/blocks/{id}',
      tags: ['safety'],
      security: bearerAuth,
      request: { params: ProfileParam },
      responses: { 204: { description: 'Unblocked' }, ...errors },
    }),
    async (c) => {
      await blocks.unblock(db, requireUser(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  return app;
}
