import { createRoute } from '@hono/zod-openapi';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { json, router } from './openapi.ts';

const HealthSchema = z.object({ ok: z.boolean(), database: z.string(), vector: z.boolean() });

/** Liveness plus which database driver answers; documented so the generated client can type `health()`. */
export function healthRoutes(db: Database) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['system'],
      responses: { 200: json(HealthSchema, 'The server is up; which database driver it runs on') },
    }),
    (c) => c.json({ ok: true, database: db.driver.name, vector: db.capabilities.vector }, 200),
  );
  return app;
}
