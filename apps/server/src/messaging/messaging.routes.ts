import { createRoute } from '@hono/zod-openapi';
import {
  ConversationListSchema,
  ConversationSchema,
  MessageSchema,
  MessagesQuerySchema,
  page,
  ReadStateSchema,
  SendMessageSchema,
  StartConversationSchema,
} from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import type { Sealer } from '../keys/sealer.ts';
import * as messaging from './messaging.service.ts';

const IdParam = z.object({ id: z.uuid() });
const ActionParam = z.object({ id: z.uuid(), action: z.enum(['accept', 'decline', 'block']) });

/** `sealer`: the data keys no-trace bodies are sealed with (decision 015). */
export function messagingRoutes(db: Database, sealer?: Sealer) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/conversations',
      tags: ['messaging'],
      security: bearerAuth,
      responses: { 200: json(ConversationListSchema, 'Your conversations and message requests'), ...errors },
    }),
    async (c) => c.json(await messaging.listConversations(db, requireUser(c), sealer), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/conversations',
      tags: ['messaging'],
      security: bearerAuth,
      request: jsonBody(StartConversationSchema),
      responses: { 200: json(ConversationSchema, 'The 1:1 conversation (existing or new)'), ...errors },
    }),
    async (c) =>
      c.json(
        await messaging.startConversation(db, requireUser(c), c.req.valid('json').profile_id, sealer),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/conversations/{id}',
      tags: ['messaging'],
      security: bearerAuth,
      request: { params: IdParam },
      responses: { 200: json(ConversationSchema, 'A conversation you are in'), ...errors },
    }),
    async (c) =>
      c.json(await messaging.getConversation(db, requireUser(c), c.req.valid('param').id, sealer), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/conversations/{id}/messages',
      tags: ['messaging'],
      security: bearerAuth,
      request: { params: IdParam, query: MessagesQuerySchema },
      responses: {
        200: json(page(MessageSchema), '`after`: oldest first from the cursor; otherwise newest first'),
        ...errors,
      },
    }),
    async (c) =>
      c.json(
        await messaging.listMessages(
          db,
          requireUser(c),
          c.req.valid('param').id,
          c.req.valid('query'),
          sealer,
        ),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/conversations/{id}/messages',
      tags: ['messaging'],
      security: bearerAuth,
      request: { params: IdParam, ...jsonBody(SendMessageSchema) },
      responses: { 201: json(MessageSchema, 'Sent'), ...errors },
    }),
    async (c) =>
      c.json(
        await messaging.sendMessage(db, requireUser(c), c.req.valid('param').id, c.req.valid('json'), sealer),
        201,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/conversations/{id}/read',
      tags: ['messaging'],
      security: bearerAuth,
      request: { params: IdParam },
      responses: { 200: json(ReadStateSchema, 'Read up to now, on every device of this persona'), ...errors },
    }),
    async (c) => c.json(await messaging.markRead(db, requireUser(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/conversations/{id}/{action}',
      tags: ['messaging'],
      security: bearerAuth,
      request: { params: ActionParam },
      responses: { 200: json(ConversationSchema, 'Request answered'), ...errors },
    }),
    async (c) => {
      const { id, action } = c.req.valid('param');
      return c.json(await messaging.respond(db, requireUser(c), id, action, sealer), 200);
    },
  );
  return app;
}
