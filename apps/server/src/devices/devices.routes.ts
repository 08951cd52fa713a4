import { createRoute } from '@hono/zod-openapi';
import { DeviceSchema, RegisterDeviceSchema, SessionInfoSchema } from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import type { SessionGate } from '../auth/session-gate.ts';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import type { AttestationVerifier } from './attestation.ts';
import * as devices from './devices.service.ts';

const IdParam = z.object({ id: z.uuid() });

export function deviceRoutes(db: Database, attestation: AttestationVerifier, sessions?: SessionGate) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/devices',
      tags: ['devices'],
      security: bearerAuth,
      request: jsonBody(RegisterDeviceSchema),
      responses: { 200: json(DeviceSchema, 'Registered'), ...errors },
    }),
    async (c) =>
      c.json(await devices.registerDevice(db, requireUser(c), c.req.valid('json'), attestation), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/devices',
      tags: ['devices'],
      security: bearerAuth,
      responses: { 200: json(z.object({ items: z.array(DeviceSchema) }), 'Your devices'), ...errors },
    }),
    async (c) => c.json({ items: await devices.listDevices(db, requireUser(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/devices/{id}',
      tags: ['devices'],
      security: bearerAuth,
      request: { params: IdParam },
      responses: { 204: { description: 'Removed' }, ...errors },
    }),
    async (c) => {
      await devices.removeDevice(db, requireUser(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/sessions',
      tags: ['devices'],
      security: bearerAuth,
      responses: {
        200: json(z.object({ items: z.array(SessionInfoSchema) }), 'Your signed-in sessions'),
        ...errors,
      },
    }),
    async (c) => c.json({ items: await devices.listSessions(db, requireUser(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/sessions/{id}',
      tags: ['devices'],
      security: bearerAuth,
      request: { params: IdParam },
      responses: { 204: { description: 'Signed out' }, ...errors },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      await devices.revokeSession(db, requireUser(c), id);
      // Before the 204: the revoked session's token stops at once in this process (decision 024).
      sessions?.forget([id]);
      return c.body(null, 204);
    },
  );
  return app;
}
