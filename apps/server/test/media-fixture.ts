import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { makePng } from '../src/storage/media.fixture.ts';
import { call, type TestServer, type TestUser } from './harness.ts';

/** Test helpers for media: uploads through the real API, storage files on disk, signed URLs and row queries. */
export function mediaFixture(server: () => TestServer) {
  const png = makePng(8, 8);
  // PUBLIC_URL is built from PORT, which is 0 in tests; the path is what the server serves.
  const local = (url: string) => server().url + new URL(url).pathname;
  const fileOf = (path: string) => join(server().env.DATA_DIR, 'storage', path);
  const onDisk = (path: string) => existsSync(fileOf(path));
  const rows = async (sql: string, params: unknown[] = []) =>
    (await server().db.driver.query<Record<string, unknown>>(sql, params)).rows;
  const one = async (sql: string, params: unknown[] = []) => (await rows(sql, params))[0];
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await one(`select count(*)::int as n from (${sql}) x`, params))!.n);

  /**
   * Uploads a PNG (this fixture's, or `bytes`) as the user's active persona; returns its id and object path.
   * `sealed`: encrypted at rest, as media for timed and view-once messages must be.
   */
  async function upload(u: TestUser, bytes: Buffer = png, opts: { sealed?: boolean } = {}) {
    const ticket = await u.api.createUpload({
      bucket: 'creator-media',
      content_type: 'image/png',
      size: bytes.length,
      ...(opts.sealed ? { sealed: true } : {}),
    });
    const put = await fetch(local(ticket.upload_url), {
      method: 'PUT',
      body: new Uint8Array(bytes),
      headers: { 'content-type': 'image/png' },
    });
    expect(put.status).toBe(200);
    await u.api.completeUpload(ticket.media_id);
    const row = await one('select object_path from public.media_objects where id = $1', [ticket.media_id]);
    expect(onDisk(row!.object_path as string)).toBe(true);
    return { id: ticket.media_id, path: row!.object_path as string };
  }

  /** A signed URL issued to `u` now, already checked to serve the bytes. */
  async function signedUrl(u: TestUser, mediaId: string) {
    const res = await call(server(), 'GET', `/api/media/${mediaId}/url`, u.accessToken());
    expect(res.status).toBe(200);
    const url = local(res.json.url as string);
    expect((await fetch(url)).status).toBe(200);
    return url;
  }

  return { png, local, fileOf, onDisk, rows, one, count, upload, signedUrl };
}
