import { createRoute } from '@hono/zod-openapi';
import { ContactsStatusSchema, UploadContactsSchema } from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import * as contacts from './contacts.service.ts';
import type { SocialFirewall } from './social-firewall.ts';

export function firewallRoutes(db: Database, firewall: SocialFirewall) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/contacts',
      tags: ['privacy'],
      security: bearerAuth,
      responses: {
        200: json(
          ContactsStatusSchema,
          'Whether the contacts firewall is on, and the key to hash contacts with',
        ),
        ...errors,
      },
    }),
    async (c) => c.json(await contacts.contactsStatus(db, firewall, requireUser(c)), 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/contacts',
      tags: ['privacy'],
      security: bearerAuth,
      request: jsonBody(UploadContactsSchema),
      responses: { 200: json(ContactsStatusSchema, 'Stored (keyed again on the server)'), ...errors },
    }),
    async (c) =>
      c.json(await contacts.uploadContacts(db, firewall, requireUser(c), c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/contacts',
      tags: ['privacy'],
      security: bearerAuth,
      responses: { 200: json(ContactsStatusSchema, 'Every uploaded contact hash deleted'), ...errors },
    }),
    async (c) => c.json(await contacts.deleteContacts(db, firewall, requireUser(c)), 200),
  );
  return app;
}
