import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKET_RULES } from '@ipelya/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';
import { makePng } from './media.fixture.ts';

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
    persona_id: string;
    shadow_profile_id: string;
  };

describe.each(dbTargets())('storage, local driver (%s)', (target) => {
  let server: TestServer;
  const png = makePng(16, 16);

  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  // PUBLIC_URL is built from PORT, which is 0 in tests; the path is what the server serves.
  const local = (url: string) => {
    expect(url.startsWith(`${server.env.PUBLIC_URL}/storage/v1/`)).toBe(true);
    return server.url + new URL(url).pathname;
  };
  const put = (url: string, body: Uint8Array | ReadableStream, headers: Record<string, string> = {}) =>
    fetch(local(url), { method: 'PUT', body, headers, duplex: 'half' } as RequestInit);
  const fileOf = (path: string) => join(server.env.DATA_DIR, 'storage', path);
  const rowOf = async (id: string) => {
    const { rows } = await server.db.driver.query<{
      owner_id: string;
      object_path: string;
      status: string;
      size_bytes: string;
      sha256: string | null;
    }>('select owner_id, object_path, status, size_bytes, sha256 from public.media_objects where id = $1', [
      id,
    ]);
    return rows[0];
  };

  async function upload(u: TestUser, bytes: Buffer, bucket = 'creator-media' as const, type = 'image/png') {
    const ticket = await u.api.createUpload({ bucket, content_type: type, size: bytes.length });
    const res = await put(ticket.upload_url, bytes, { 'content-type': type });
    expect(res.status).toBe(200);
    const done = await u.api.completeUpload(ticket.media_id);
    return { ticket, done };
  }

  it('uploads, checks, signs and serves the real bytes', async () => {
    const u = await signIn(server);
    const ticket = await u.api.createUpload({
      bucket: 'creator-media',
      content_type: 'image/png',
      size: png.length,
    });
    expect(ticket.method).toBe('PUT');
    expect(Date.parse(ticket.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(Date.parse(ticket.expires_at) - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    expect((await rowOf(ticket.media_id))?.status).toBe('pending');

    const res = await put(ticket.upload_url, png, { 'content-type': 'image/png' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ media_id: ticket.media_id, size: png.length });

    const done = (await u.api.completeUpload(ticket.media_id)) as unknown as Record<string, unknown>;
    expect(done).toMatchObject({
      id: ticket.media_id,
      status: 'ready',
      content_type: 'image/png',
      size: png.length,
      bucket: 'creator-media',
    });
    const row = (await rowOf(ticket.media_id))!;
    expect(row.status).toBe('ready');
    expect(row.sha256).toBe(createHash('sha256').update(png).digest('hex'));
    expect(row.owner_id).toBe(claimsOf(u.accessToken()).persona_id);
    expect(row.object_path).toMatch(/^creator-media\/[0-9a-f-]{36}$/);
    expect(existsSync(fileOf(row.object_path))).toBe(true);
    // Completing twice is harmless.
    expect((await u.api.completeUpload(ticket.media_id)).status).toBe('ready');

    const signed = await u.api.mediaUrl(ticket.media_id);
    const ttl = Date.parse(signed.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan((server.env.STORAGE_URL_TTL_SECONDS - 5) * 1000);
    expect(ttl).toBeLessThanOrEqual(server.env.STORAGE_URL_TTL_SECONDS * 1000);
    const got = await fetch(local(signed.url));
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('cache-control')).toBe('private, no-store');
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);

    // Media players seek with ranges.
    const part = await fetch(local(signed.url), { headers: { range: 'bytes=8-23' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 8-23/${png.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(png.subarray(8, 24))).toBe(true);
    const beyond = await fetch(local(signed.url), { headers: { range: `bytes=${png.length + 10}-` } });
    expect(beyond.status).toBe(416);
    const head = await fetch(local(signed.url), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(png.length));
  });

  it('accepts one upload per ticket', async () => {
    const u = await signIn(server);
    const ticket = await u.api.createUpload({
      bucket: 'creator-media',
      content_type: 'image/png',
      size: png.length,
    });
    expect((await put(ticket.upload_url, png)).status).toBe(200);
    const again = await put(ticket.upload_url, png);
    expect(again.status).toBe(409);
    await u.api.completeUpload(ticket.media_id);
    expect((await put(ticket.upload_url, png)).status).toBe(409);
  });

  it('enforces bucket rules when the ticket is created', async () => {
    const u = await signIn(server);
    const before = await server.db.driver.query<{ n: number }>(
      'select count(*)::int as n from public.media_objects',
    );
    const big = await call(server, 'POST', '/api/storage/uploads', u.accessToken(), {
      bucket: 'ai-content',
      content_type: 'image/png',
      size: BUCKET_RULES['ai-content'].maxBytes + 1,
    });
    expect(big.status).toBe(400);
    expect(big.json.error.details.fields.map((f: { path: string }) => f.path)).toContain('size');
    const type = await call(server, 'POST', '/api/storage/uploads', u.accessToken(), {
      bucket: 'asmr',
      content_type: 'image/png',
      size: 100,
    });
    expect(type.status).toBe(400);
    expect(type.json.error.details.fields.map((f: { path: string }) => f.path)).toContain('content_type');
    const unknown = await call(server, 'POST', '/api/storage/uploads', u.accessToken(), {
      bucket: 'secrets',
      content_type: 'image/png',
      size: 100,
    });
    expect(unknown.status).toBe(400);
    const anon = await call(server, 'POST', '/api/storage/uploads', null, {
      bucket: 'creator-media',
      content_type: 'image/png',
      size: 100,
    });
    expect(anon.status).toBe(401);
    const after = await server.db.driver.query<{ n: number }>(
      'select count(*)::int as n from public.media_objects',
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('enforces the declared size while uploading and keeps nothing of an over-size body', async () => {
    const u = await signIn(server);
    const ticket = await u.api.createUpload({
      bucket: 'creator-media',
      content_type: 'image/png',
      size: png.length,
    });
    const key = (await rowOf(ticket.media_id))!.object_path;
    const dir = fileOf('creator-media');
    const bigger = Buffer.concat([png, Buffer.alloc(100)]);

    const declared = await put(ticket.upload_url, bigger);
    expect(declared.status).toBe(413);
    // Streamed without a length: the counter stops it.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bigger.subarray(0, 50));
        c.enqueue(bigger.subarray(50));
        c.close();
      },
    });
    const streamed = await put(ticket.upload_url, stream);
    expect(streamed.status).toBe(413);
    expect(existsSync(fileOf(key))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.part-'))).toEqual([]);

    // The ticket is still good for the right bytes.
    expect((await put(ticket.upload_url, png)).status).toBe(200);
    expect((await u.api.completeUpload(ticket.media_id)).status).toBe('ready');
  });

  it('sniffs the bytes: a text file declared as PNG is rejected and removed', async () => {
    const u = await signIn(server);
    const text = Buffer.from('<?php system($_GET["c"]); ?> definitely a png');
    const ticket = await u.api.createUpload({
      bucket: 'creator-media',
      content_type: 'image/png',
      size: text.length,
    });
    const key = (await rowOf(ticket.media_id))!.object_path;
    expect((await put(ticket.upload_url, text, { 'content-type': 'image/png' })).status).toBe(200);
    expect(existsSync(fileOf(key))).toBe(true);
    const res = await call(
      server,
      'POST',
      `/api/storage/uploads/${ticket.media_id}/complete`,
      u.accessToken(),
    );
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields[0].path).toBe('content_type');
    expect(await rowOf(ticket.media_id)).toBeUndefined();
    expect(existsSync(fileOf(key))).toBe(false);
  });

  it('rejects a real image declared as another type', async () => {
    const u = await signIn(server);
    const ticket = await u.api.createUpload({
      bucket: 'creator-media',
      content_type: 'image/jpeg',
      size: png.length,
    });
    expect((await put(ticket.upload_url, png)).status).toBe(200);
    const res = await call(
      server,
      'POST',
      `/api/storage/uploads/${ticket.media_id}/complete`,
      u.accessToken(),
    );
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('image/png');
    expect(await rowOf(ticket.media_id)).toBeUndefined();
  });

  it('answers 409 when completing before uploading, and a pending media has no URL', async () => {
    const u = await signIn(server);
    const ticket = await u.api.createUpload({
      bucket: 'creator-media',
      content_type: 'image/png',
      size: png.length,
    });
    const early = await call(
      server,
      'POST',
      `/api/storage/uploads/${ticket.media_id}/complete`,
      u.accessToken(),
    );
    expect(early.status).toBe(409);
    expect(early.json.error.code).toBe('upload_missing');
    expect((await call(server, 'GET', `/api/media/${ticket.media_id}/url`, u.accessToken())).status).toBe(
      409,
    );
    const other = await signIn(server);
    expect((await call(server, 'GET', `/api/media/${ticket.media_id}/url`, other.accessToken())).status).toBe(
      404,
    );
  });

  it('rejects tampered, expired and misused tokens', async () => {
    const u = await signIn(server);
    const { ticket } = await upload(u, png);
    const signed = await u.api.mediaUrl(ticket.media_id);
    const token = new URL(signed.url).pathname.split('/').pop()!;
    const [payload, sig] = token.split('.') as [string, string];
    const base = `${server.url}/storage/v1/object/sign/`;

    // Same signature, payload pointing elsewhere.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(
      JSON.stringify({ ...claims, key: 'creator-media/00000000-0000-0000-0000-000000000000' }),
    ).toString('base64url');
    expect((await fetch(`${base}${forged}.${sig}`)).status).toBe(403);
    const flipped = sig.slice(0, -2) + (sig.endsWith('AA') ? 'BB' : 'AA');
    expect((await fetch(`${base}${payload}.${flipped}`)).status).toBe(403);
    expect((await fetch(`${base}garbage`)).status).toBe(403);

    const expired = server.storage.tickets.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 });
    const res = await fetch(base + expired);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('url_expired');

    // A download token is not an upload ticket, and the other way round.
    expect(
      (await fetch(`${server.url}/storage/v1/upload/${token}`, { method: 'PUT', body: new Uint8Array(png) }))
        .status,
    ).toBe(403);
    const t2 = await u.api.createUpload({
      bucket: 'creator-media',
      content_type: 'image/png',
      size: png.length,
    });
    const uploadToken = new URL(t2.upload_url).pathname.split('/').pop()!;
    expect((await fetch(base + uploadToken)).status).toBe(403);
    const expiredUpload = server.storage.tickets.sign({
      ...JSON.parse(Buffer.from(uploadToken.split('.')[0]!, 'base64url').toString()),
      exp: Math.floor(Date.now() / 1000) - 1,
    });
    expect(
      (
        await fetch(`${server.url}/storage/v1/upload/${expiredUpload}`, {
          method: 'PUT',
          body: new Uint8Array(png),
        })
      ).status,
    ).toBe(403);
  });

  it('never lets another account, anon or the other persona reach private or paid media', async () => {
    const creator = await signIn(server);
    await makeCreator(creator);
    const creatorClaims = claimsOf(creator.accessToken());
    const { ticket: paid } = await upload(creator, png);
    const { ticket: loose } = await upload(creator, png);
    const { ticket: open } = await upload(creator, png);
    const ppv = await creator.api.createPost({
      body: 'paid',
      visibility: 'ppv',
      price_coins: 50,
      media_ids: [paid.media_id],
    });
    await creator.api.createPost({ body: 'free', visibility: 'public', media_ids: [open.media_id] });

    const fan = await signIn(server);
    const fanToken = fan.accessToken();
    for (const id of [paid.media_id, loose.media_id]) {
      for (const token of [fanToken, null]) {
        const r = await call(server, 'GET', `/api/media/${id}/url`, token);
        expect(r.status).toBe(404);
        expect(r.json.error.code).toBe('not_found');
      }
      expect((await call(server, 'DELETE', `/api/media/${id}`, fanToken)).status).toBe(404);
      expect((await call(server, 'POST', `/api/storage/uploads/${id}/complete`, fanToken)).status).toBe(404);
    }
    // A media id that never existed answers exactly the same.
    const none = await call(server, 'GET', '/api/media/00000000-0000-4000-8000-000000000000/url', fanToken);
    expect(none.status).toBe(404);

    // Public post media is visible to anyone.
    expect((await call(server, 'GET', `/api/media/${open.media_id}/url`, null)).status).toBe(200);
    // So is an active profile's avatar.
    const { ticket: avatar } = await upload(creator, png);
    expect((await call(server, 'GET', `/api/media/${avatar.media_id}/url`, null)).status).toBe(404);
    await creator.api.updateProfile({ avatar_media_id: avatar.media_id });
    expect((await call(server, 'GET', `/api/media/${avatar.media_id}/url`, null)).status).toBe(200);

    // Once the fan has unlocked the post, the media opens.
    const fanPersona = claimsOf(fanToken).persona_id;
    await server.db.service('test:unlock', (tx) =>
      tx.query('insert into public.ppv_unlocks (buyer_id, post_id, price_coins) values ($1, $2, 50)', [
        fanPersona,
        ppv.id,
      ]),
    );
    expect((await call(server, 'GET', `/api/media/${paid.media_id}/url`, fanToken)).status).toBe(200);
    expect((await call(server, 'GET', `/api/media/${loose.media_id}/url`, fanToken)).status).toBe(404);

    // The creator's own shadow persona is a stranger to the real persona's media.
    await switchTo(creator, 'shadow');
    const shadowToken = (await creator.supabase.auth.getSession()).data.session!.access_token;
    expect(claimsOf(shadowToken).persona_id).toBe(claimsOf(shadowToken).shadow_profile_id);
    expect(claimsOf(shadowToken).persona_id).not.toBe(creatorClaims.persona_id);
    expect((await call(server, 'GET', `/api/media/${loose.media_id}/url`, shadowToken)).status).toBe(404);
    expect((await call(server, 'DELETE', `/api/media/${loose.media_id}`, shadowToken)).status).toBe(404);
  });

  it('keeps user and persona ids out of every path and URL; shadow uploads stay with the shadow persona', async () => {
    const u = await signIn(server);
    const real = claimsOf(u.accessToken());
    const { ticket: realTicket } = await upload(u, png);
    await switchTo(u, 'shadow');
    const shadowToken = (await u.supabase.auth.getSession()).data.session!.access_token;
    const shadow = claimsOf(shadowToken);
    const { ticket: shadowTicket } = await upload(u, png, 'shadow-content' as never);
    const shadowRow = (await rowOf(shadowTicket.media_id))!;
    expect(shadowRow.object_path).toMatch(/^shadow-content\/[0-9a-f-]{36}$/);
    expect(shadowRow.owner_id).toBe(shadow.persona_id);
    const shadowUrl = await u.api.mediaUrl(shadowTicket.media_id);

    const secrets = [u.userId, real.persona_id, shadow.persona_id];
    const exposed = [realTicket.upload_url, shadowTicket.upload_url, shadowUrl.url, shadowRow.object_path];
    for (const s of exposed) {
      // Tokens are base64url JSON: look inside them too.
      const decoded = s
        .split(/[/.]/)
        .map((p) => Buffer.from(p, 'base64url').toString('latin1'))
        .join(' ');
      for (const id of secrets) {
        expect(s).not.toContain(id);
        expect(decoded).not.toContain(id);
      }
    }
    // The real persona cannot see what the shadow persona uploaded.
    await switchTo(u, 'real');
    const realToken = (await u.supabase.auth.getSession()).data.session!.access_token;
    expect((await call(server, 'GET', `/api/media/${shadowTicket.media_id}/url`, realToken)).status).toBe(
      404,
    );
  });

  it('lets the owner delete media: row and bytes go, URLs stop working', async () => {
    const u = await signIn(server);
    const { ticket } = await upload(u, png);
    const key = (await rowOf(ticket.media_id))!.object_path;
    const signed = await u.api.mediaUrl(ticket.media_id);
    const del = await call(server, 'DELETE', `/api/media/${ticket.media_id}`, u.accessToken());
    expect(del.status).toBe(204);
    expect(await rowOf(ticket.media_id)).toBeUndefined();
    expect(existsSync(fileOf(key))).toBe(false);
    expect((await call(server, 'GET', `/api/media/${ticket.media_id}/url`, u.accessToken())).status).toBe(
      404,
    );
    expect((await fetch(local(signed.url))).status).toBe(404);
    expect((await call(server, 'DELETE', `/api/media/${ticket.media_id}`, u.accessToken())).status).toBe(404);
  });

  it('describes the storage routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/storage/uploads',
        '/storage/uploads/{id}/complete',
        '/media/{id}/url',
        '/media/{id}',
      ]),
    );
  });
});
