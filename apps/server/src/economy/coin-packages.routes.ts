import { createRoute } from '@hono/zod-openapi';
import { AdminCoinPackageSchema, CreateCoinPackageSchema, UpdateCoinPackageSchema } from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import * as packages from './coin-packages.service.ts';

const IdParam = z.object({ id: z.uuid() });
const conflict = {
  409: json(
    z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
    'The code or a store product id is already used by another package',
  ),
};

/** Coin packages for admins (accounts.is_admin); everyone else gets 403. */
export function coinPackageAdminRoutes(db: Database) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/coin-packages',
      tags: ['admin'],
      security: bearerAuth,
      responses: {
        200: json(z.object({ items: z.array(AdminCoinPackageSchema) }), 'Every package, archived ones too'),
        ...errors,
      },
    }),
    async (c) => c.json({ items: await packages.adminListPackages(db, requireUser(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/coin-packages',
      tags: ['admin'],
      security: bearerAuth,
      description:
        'Creates a package: coins, a price per currency (minor units), optional store product ids.',
      request: jsonBody(CreateCoinPackageSchema),
      responses: { 201: json(AdminCoinPackageSchema, 'Created'), ...errors, ...conflict },
    }),
    async (c) => c.json(await packages.createPackage(db, requireUser(c), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/admin/coin-packages/{id}',
      tags: ['admin'],
      security: bearerAuth,
      description:
        'Changes coins, prices, store product ids or the active flag. Past purchases keep their price.',
      request: { params: IdParam, ...jsonBody(UpdateCoinPackageSchema) },
      responses: { 200: json(AdminCoinPackageSchema, 'Updated'), ...errors, ...conflict },
    }),
    async (c) =>
      c.json(
        await packages.updatePackage(db, requireUser(c), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/coin-packages/{id}/archive',
      tags: ['admin'],
      security: bearerAuth,
      description: 'Takes a package off sale (it stays for the purchases that reference it).',
      request: { params: IdParam },
      responses: { 200: json(AdminCoinPackageSchema, 'Archived'), ...errors },
    }),
    async (c) => c.json(await packages.archivePackage(db, requireUser(c), c.req.valid('param').id), 200),
  );
  return app;
}
