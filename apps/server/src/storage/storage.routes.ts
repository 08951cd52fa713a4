import { Readable } from 'node:stream';
import { createRoute } from '@hono/zod-openapi';
import {
  ApiErrorSchema,
  CreateUploadSchema,
  MediaObjectSchema,
  SignedUrlSchema,
  UploadTicketSchema,
} from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { Hono } from 'hono';
import { z } from 'zod';
import { DomainError } from '../errors.ts';
import type { AppEnv } from '../http/context.ts';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import type { ByteRange } from './storage.driver.ts';
import * as media from './storage.service.ts';
import type { Storage } from './storage.ts';

const IdParam = z.object({ id: z.uuid() });
const errorOf = (description: string) => ({
  content: { 'application/json': { schema: ApiErrorSchema } },
  description,
});
const notConfigured = errorOf('Storage is not configured on this server');

/** /api/storage/… and /api/media/…: tickets, completion, signed URLs, deletion. */
export function storageApiRoutes(db: Database, storage: Storage) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/storage/uploads',
      tags: ['storage'],
      security: bearerAuth,
      request: jsonBody(CreateUploadSchema),
      responses: {
        201: json(UploadTicketSchema, 'PUT the bytes to upload_url before expires_at, then complete'),
        ...errors,
        503: notConfigured,
      },
    }),
    async (c) => c.json(await media.createUpload(db, storage, requireUser(c), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/storage/uploads/{id}/complete',
      tags: ['storage'],
      security: bearerAuth,
      request: { params: IdParam },
      responses: {
        200: json(MediaObjectSchema, 'Checked and ready'),
        ...errors,
        409: errorOf('Nothing uploaded yet'),
        413: errorOf('Larger than declared; the upload was removed'),
      },
    }),
    async (c) =>
      c.json(await media.completeUpload(db, storage, requireUser(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/media/{id}/url',
      tags: ['storage'],
      request: { params: IdParam },
      responses: {
        200: json(SignedUrlSchema, 'An expiring download URL; 404 when you may not see the media'),
        ...errors,
      },
    }),
    async (c) => c.json(await media.mediaUrl(db, storage, c.get('claims'), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/media/{id}',
      tags: ['storage'],
      security: bearerAuth,
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errors },
    }),
    async (c) => {
      await media.deleteMedia(db, storage, requireUser(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  return app;
}

/** One `bytes=a-b` / `bytes=a-` / `bytes=-n` range; undefined = whole file, null = unsatisfiable. */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined | null {
  const m = header?.match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (!m[1] && !m[2])) return undefined; // absent, multi-range or malformed: serve it all
  let start: number;
  let end: number;
  if (!m[1]) {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  }
  if (start > end || start >= size) return null;
  return { start, end };
}

/** /storage/v1/…: the local driver's ticketed upload and signed download endpoints. */
export function storageRootRoutes(db: Database, storage: Storage) {
  const app = new Hono<AppEnv>();

  app.put('/upload/:token', async (c) => {
    const body = c.req.raw.body;
    if (!body) throw new DomainError('validation', 'empty_body', 'the request has no body');
    const length = c.req.header('content-length');
    const result = await media.acceptUpload(
      db,
      storage,
      c.req.param('token'),
      Readable.fromWeb(body as never),
      {
        contentLength: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
        contentType: c.req.header('content-type'),
      },
    );
    return c.json(result, 200);
  });

  app.get('/object/sign/:token', async (c) => {
    const obj = await media.openDownload(db, storage, c.req.param('token'));
    const headers: Record<string, string> = {
      'content-type': obj.contentType,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      'accept-ranges': 'bytes',
    };
    const range = parseRange(c.req.header('range'), obj.size);
    if (range === null) return c.body(null, 416, { ...headers, 'content-range': `bytes */${obj.size}` });
    const status = range ? 206 : 200;
    if (range) {
      headers['content-length'] = String(range.end - range.start + 1);
      headers['content-range'] = `bytes ${range.start}-${range.end}/${obj.size}`;
    } else {
      headers['content-length'] = String(obj.size);
    }
    // HEAD reaches this GET handler too; opening the file for it would leave a handle nobody reads.
    if (c.req.method === 'HEAD') return c.body(null, status, headers);
    const stream = await media.readObject(storage, obj.key, range, obj.keyId);
    return c.body(Readable.toWeb(stream) as unknown as ReadableStream, status, headers);
  });
  return app;
}
