import { createRoute } from '@hono/zod-openapi';
import { CreatePostSchema, CursorQuerySchema, PostSchema, page, UpdatePostSchema } from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import * as follows from './follows.service.ts';
import * as posts from './posts.service.ts';

const IdParam = z.object({ id: z.uuid() });
const HandleParam = z.object({ handle: z.string().min(1).max(30) });

export function contentRoutes(db: Database) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/posts',
      tags: ['content'],
      security: bearerAuth,
      request: jsonBody(CreatePostSchema),
      responses: { 201: json(PostSchema, 'Created (published, scheduled or draft)'), ...errors },
    }),
    async (c) => c.json(await posts.createPost(db, requireUser(c), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/posts/mine',
      tags: ['content'],
      security: bearerAuth,
      request: { query: CursorQuerySchema },
      responses: { 200: json(page(PostSchema), 'Your posts of every status'), ...errors },
    }),
    async (c) => c.json(await posts.myPosts(db, requireUser(c), c.req.valid('query')), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/posts/{id}',
      tags: ['content'],
      request: { params: IdParam },
      responses: { 200: json(PostSchema, 'A post; body and media only when you are entitled'), ...errors },
    }),
    async (c) => c.json(await posts.getPost(db, c.get('claims'), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/posts/{id}',
      tags: ['content'],
      security: bearerAuth,
      request: { params: IdParam, ...jsonBody(UpdatePostSchema) },
      responses: { 200: json(PostSchema, 'Updated'), ...errors },
    }),
    async (c) =>
      c.json(await posts.updatePost(db, requireUser(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/posts/{id}',
      tags: ['content'],
      security: bearerAuth,
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errors },
    }),
    async (c) => {
      await posts.deletePost(db, requireUser(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/profiles/{handle}/posts',
      tags: ['content'],
      request: { params: HandleParam, query: CursorQuerySchema },
      responses: { 200: json(page(PostSchema), 'Published posts, newest first'), ...errors },
    }),
    async (c) =>
      c.json(
        await posts.profilePosts(db, c.get('claims'), c.req.valid('param').handle, c.req.valid('query')),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/feed',
      tags: ['content'],
      security: bearerAuth,
      request: { query: CursorQuerySchema },
      responses: { 200: json(page(PostSchema), 'Posts of the profiles you follow'), ...errors },
    }),
    async (c) => c.json(await posts.feed(db, requireUser(c), c.req.valid('query')), 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/follows/{id}',
      tags: ['content'],
      security: bearerAuth,
      request: { params: IdParam },
      responses: { 200: json(z.object({ following: z.literal(true) }), 'Following'), ...errors },
    }),
    async (c) => {
      await follows.follow(db, requireUser(c), c.req.valid('param').id);
      return c.json({ following: true as const }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/follows/{id}',
      tags: ['content'],
      security: bearerAuth,
      request: { params: IdParam },
      responses: { 200: json(z.object({ following: z.literal(false) }), 'Not following'), ...errors },
    }),
    async (c) => {
      await follows.unfollow(db, requireUser(c), c.req.valid('param').id);
      return c.json({ following: false as const }, 200);
    },
  );
  return app;
}
