import { createRoute } from '@hono/zod-openapi';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, router } from '../http/openapi.ts';
import { similarCreators } from './match.service.ts';

const Similar = z.object({
  items: z.array(
    z.object({ profile_id: z.uuid(), handle: z.string(), display_name: z.string(), distance: z.number() }),
  ),
});

export function matchRoutes(db: Database) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/match/similar-creators',
      tags: ['match'],
      security: bearerAuth,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) }) },
      responses: {
        200: json(Similar, 'Nearest creators by vibe'),
        501: { description: 'vector search is not available on this database' },
        ...errors,
      },
    }),
    async (c) =>
      c.json({ items: await similarCreators(db, requireUser(c), c.req.valid('query').limit) }, 200),
  );
  return app;
}
