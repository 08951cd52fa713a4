import { createHash, randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { BUCKET_RULES, type Bucket, type CreateUpload, CreateUploadSchema } from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';
import { DomainError, invalid, notFound } from '../errors.ts';
import { plainSize, sealedSize, sealingStream } from '../keys/sealed-box.ts';
import { Sealer } from '../keys/sealer.ts';
import { SNIFF_BYTES, sniffedMatches, sniffType } from './sniff.ts';
import type { ByteRange, StorageDriver } from './storage.driver.ts';
import type { Storage } from './storage.ts';

export type MediaObject = {
  id: string;
  bucket: Bucket;
  content_type: string;
  size: number;
  status: 'pending' | 'ready';
  created_at: string;
};
export type UploadTicketResult = { media_id: string; upload_url: string; method: 'PUT'; expires_at: string };
export type SignedUrlResult = { url: string; expires_at: string };

type MediaRow = {
  id: string;
  bucket: Bucket;
  object_path: string;
  content_type: string;
  size_bytes: string | number;
  status: 'pending' | 'ready';
  created_at: Date;
  key_id: string | null;
};

const MEDIA_COLUMNS = 'id, bucket, object_path, content_type, size_bytes, status, created_at, key_id';

function toMedia(r: MediaRow): MediaObject {
  return {
    id: r.id,
    bucket: r.bucket,
    content_type: r.content_type,
    size: Number(r.size_bytes),
    status: r.status,
    created_at: new Date(r.created_at).toISOString(),
  };
}

const tooLarge = (max: number) =>
  new DomainError(
    'payload_too_large',
    'payload_too_large',
    `the file is larger than the ${max} bytes allowed`,
    {
      fields: [{ path: 'size', message: `at most ${max} bytes` }],
    },
  );

function personaOf(claims: JwtClaims): string {
  if (!claims.persona_id)
    throw new DomainError('unauthenticated', 'no_persona', 'this session has no active persona');
  return claims.persona_id;
}

/**
 * Reserves a media row and returns where to PUT the bytes. The row is written on the service path because users
 * cannot insert media rows (the bytes are not checked yet); the object key is random so neither the URL nor the
 * path says who uploaded it or links the two personas.
 */
export async function createUpload(
  db: Database,
  storage: Storage,
  claims: JwtClaims,
  input: CreateUpload,
): Promise<UploadTicketResult> {
  const parsed = CreateUploadSchema.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new DomainError('validation', 'validation_failed', first.message, {
      fields: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  const v = parsed.data;
  const personaId = personaOf(claims);
  const id = randomUUID();
  const key = `${v.bucket}/${randomUUID()}`;
  // A sealed upload gets its own data key now, so its bytes are encrypted as they arrive.
  const keyId = v.sealed ? Sealer.objectKeyId() : null;
  if (keyId) await storage.sealer.key(keyId, true);
  // URL first: an unconfigured backend fails here, before a row exists.
  const { url, expiresAt } = await storage.uploadUrl({
    mediaId: id,
    key,
    contentType: v.content_type,
    size: v.size,
    keyId,
  });
  await db
    .service('storage:create-upload', async (tx) => {
      // The key is registered with its row: it is destroyed once no row uses it (sealing_keys, decision 015).
      if (keyId) await tx.query('insert into public.sealing_keys (id) values ($1)', [keyId]);
      // The persona must be the caller's own and active; claims are trusted, this guards stale sessions.
      const res = await tx.query(
        `insert into public.media_objects (id, owner_id, bucket, object_path, content_type, size_bytes, status, key_id)
       select $1, $2, $3, $4, $5, $6, 'pending', $8
       where exists (select 1 from public.persona_links l join public.profiles p on p.id = l.profile_id
                     where l.profile_id = $2 and l.user_id = $7 and p.status = 'active')`,
        [id, personaId, v.bucket, key, v.content_type, v.size, claims.sub, keyId],
      );
      if (res.rowCount !== 1)
        throw new DomainError('forbidden', 'persona_inactive', 'this persona cannot upload');
    })
    .catch(async (err) => {
      if (keyId) await storage.sealer.destroy(keyId).catch(() => {});
      throw err;
    });
  return { media_id: id, upload_url: url, method: 'PUT', expires_at: expiresAt.toISOString() };
}

/** The local driver's upload endpoint: the ticket is the authority, the byte cap is enforced while streaming. */
export async function acceptUpload(
  db: Database,
  storage: Storage,
  token: string,
  body: Readable,
  meta: { contentLength?: number; contentType?: string },
): Promise<{ media_id: string; size: number }> {
  const t = storage.tickets.verify(token, 'put');
  if (meta.contentLength !== undefined && meta.contentLength > t.max) throw tooLarge(t.max);
  const sent = meta.contentType?.split(';')[0]?.trim().toLowerCase();
  if (sent && sent !== 'application/octet-stream' && sent !== t.ct) {
    throw invalid('content-type', `this upload was declared as ${t.ct}, not ${sent}`);
  }
  const pending = () =>
    db.service('storage:accept-upload', async (tx) => {
      const { rows } = await tx.query<{ status: string; object_path: string }>(
        'select status, object_path from public.media_objects where id = $1',
        [t.mid],
      );
      return rows[0]?.object_path === t.key ? rows[0].status : null;
    });
  const before = await pending();
  if (!before) throw notFound('upload');
  if (before !== 'pending')
    throw new DomainError('conflict', 'already_uploaded', 'this upload is already complete');
  let size: number;
  if (t.kid) {
    // Sealed: encrypted in this process, so no plaintext byte reaches a disk or the object store.
    const key = await storage.sealer.key(t.kid);
    if (!key) throw notFound('upload');
    if (storage.driver.name === 's3' && meta.contentLength === undefined)
      throw invalid('content-length', 'a sealed upload needs a Content-Length header');
    const stored = await storage.driver.putObject(
      t.key,
      pipeline(body, sealingStream(key, t.max), () => {}),
      {
        contentType: 'application/octet-stream',
        maxBytes: sealedSize(t.max),
        exclusive: true,
        contentLength: meta.contentLength === undefined ? undefined : sealedSize(meta.contentLength),
      },
    );
    size = plainSize(stored.size);
  } else {
    ({ size } = await storage.driver.putObject(t.key, body, {
      contentType: t.ct,
      maxBytes: t.max,
      exclusive: true,
    }));
  }
  // The owner may have deleted the media while the bytes streamed in: keep no orphan.
  if (!(await pending())) {
    await storage.deleteQuietly(t.key);
    throw notFound('upload');
  }
  return { media_id: t.mid, size };
}

async function readHead(storage: Storage, row: MediaRow, size: number): Promise<Buffer> {
  const n = Math.min(SNIFF_BYTES, size);
  if (n === 0) return Buffer.alloc(0);
  const stream = await storage.read(row.object_path, { keyId: row.key_id, range: { start: 0, end: n - 1 } });
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    got += chunk.length;
    if (got >= n) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, n);
}

async function sha256Of(driver: StorageDriver, key: string): Promise<string> {
  const stream = await driver.getObject(key);
  if (!stream) throw notFound('upload');
  const hash = createHash('sha256');
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

async function discard(db: Database, storage: Storage, row: MediaRow) {
  await storage.deleteQuietly(row.object_path);
  await db.service('storage:reject-upload', (tx) =>
    tx.query('delete from public.media_objects where id = $1', [row.id]),
  );
}

/**
 * Checks the uploaded bytes and makes the media usable. Ownership is read under RLS; the bytes decide the type
 * (the declared header is a claim). A rejected file is removed together with its row.
 */
export async function completeUpload(
  db: Database,
  storage: Storage,
  claims: JwtClaims,
  id: string,
): Promise<MediaObject> {
  const row = await db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<MediaRow>(
      `select ${MEDIA_COLUMNS} from public.media_objects where id = $1 and owner_id = public.current_persona_id()`,
      [id],
    );
    return rows[0];
  });
  if (!row) throw notFound('media');
  if (row.status === 'ready') return toMedia(row);

  const stored = await storage.size(row.object_path, row.key_id);
  if (stored === null)
    throw new DomainError('conflict', 'upload_missing', 'upload the file to upload_url first');
  const info = { size: stored };
  const rule = BUCKET_RULES[row.bucket];
  const max = Math.min(Number(row.size_bytes), rule.maxBytes);
  if (info.size > max) {
    await discard(db, storage, row);
    throw tooLarge(max);
  }
  const sniffed = await sniffType(await readHead(storage, row, info.size));
  if (!rule.mime.includes(row.content_type) || !sniffedMatches(row.content_type, sniffed)) {
    await discard(db, storage, row);
    throw invalid(
      'content_type',
      `the file's content is ${sniffed ?? 'not a recognised media type'}, not ${row.content_type}; upload rejected`,
    );
  }
  // No content hash of sealed media: it would outlive the key and identify the file (decision 015).
  const sha256 = row.key_id ? null : await sha256Of(storage.driver, row.object_path);
  const done = await db.service('storage:complete-upload', async (tx) => {
    const { rows } = await tx.query<MediaRow>(
      `update public.media_objects set status = 'ready', size_bytes = $2, sha256 = $3, ready_at = now()
       where id = $1 returning ${MEDIA_COLUMNS}`,
      [row.id, info.size, sha256],
    );
    return rows[0];
  });
  if (!done) throw notFound('media');
  return toMedia(done);
}

/**
 * An expiring URL for media the caller may see. RLS (can_access_media) decides, as the caller: owner, entitled
 * viewer of a post containing it, or a public avatar. Anything else is "not found" so existence never leaks.
 */
export async function mediaUrl(
  db: Database,
  storage: Storage,
  claims: JwtClaims | null,
  id: string,
): Promise<SignedUrlResult> {
  const row = await db.as(claims, async (tx) => {
    const { rows } = await tx.query<MediaRow & { mine: boolean | null; blurred: boolean }>(
      `select ${MEDIA_COLUMNS}, owner_id = public.current_persona_id() as mine,
              public.is_screenshot_blurred_media(id) as blurred from public.media_objects where id = $1`,
      [id],
    );
    return rows[0];
  });
  if (!row) throw notFound('media');
  // The creator's screenshot policy: a viewer who captured their content gets no more originals.
  if (row.blurred)
    throw new DomainError('forbidden', 'blurred_by_creator_policy', 'the creator blurs their media for you');
  if (row.status !== 'ready') {
    if (row.mine) throw new DomainError('conflict', 'media_not_ready', 'complete the upload first');
    throw notFound('media');
  }
  const { url, expiresAt } = await storage.downloadUrl({
    mediaId: row.id,
    key: row.object_path,
    contentType: row.content_type,
    keyId: row.key_id,
  });
  return { url, expires_at: expiresAt.toISOString() };
}

/** Resolves a local signed download URL to the object it grants. */
export async function openDownload(
  db: Database,
  storage: Storage,
  token: string,
): Promise<{ key: string; contentType: string; size: number; keyId: string | null }> {
  const t = storage.tickets.verify(token, 'get');
  // A URL outlives nothing: once the media row is gone (deleted, purged) the bytes may linger until the purge
  // queue drains, but they are no longer served. Nor once the message it was sent in has expired or (view-once)
  // was opened, before any purge ran: only the URL that opened it keeps serving until it expires.
  const row = await db.service('storage:open-download', async (tx) => {
    const { rows } = await tx.query<{ key_id: string | null; gone: boolean }>(
      `select o.key_id,
              exists (select 1 from public.messages m where m.media_id = o.id
                        and ((m.expires_at is not null and m.expires_at <= now())
                             or (m.opened_at is not null and m.id is distinct from $3::uuid)))
              and not exists (select 1 from public.post_media pm where pm.media_id = o.id)
              and not exists (select 1 from public.profiles p where p.avatar_media_id = o.id) as gone
       from public.media_objects o where o.id = $1 and o.object_path = $2`,
      [t.mid, t.key, t.vo ?? null],
    );
    return rows[0];
  });
  if (!row || row.gone || (row.key_id ?? undefined) !== t.kid) throw notFound('object');
  const size = await storage.size(t.key, row.key_id);
  if (size === null) throw notFound('object');
  return { key: t.key, contentType: t.ct, size, keyId: row.key_id };
}

export async function readObject(
  storage: Storage,
  key: string,
  range?: ByteRange,
  keyId?: string | null,
): Promise<Readable> {
  const stream = await storage.read(key, { keyId, range });
  if (!stream) throw notFound('object');
  return stream;
}

/** The owner removes the row (RLS) and then the bytes. */
export async function deleteMedia(
  db: Database,
  storage: Storage,
  claims: JwtClaims,
  id: string,
): Promise<void> {
  const key = await db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ object_path: string }>(
      'delete from public.media_objects where id = $1 and owner_id = public.current_persona_id() returning object_path',
      [id],
    );
    return rows[0]?.object_path;
  });
  if (!key) throw notFound('media');
  await storage.deleteQuietly(key);
}

/** Pending uploads nobody completed: rows and any bytes. For the scheduler. */
export async function purgeStaleUploads(
  db: Database,
  storage: Storage,
  olderThanSeconds = 86_400,
): Promise<number> {
  const keys = await db.service('storage:purge-stale-uploads', async (tx) => {
    const { rows } = await tx.query<{ object_path: string }>(
      `delete from public.media_objects where status = 'pending' and created_at < now() - make_interval(secs => $1)
       returning object_path`,
      [olderThanSeconds],
    );
    return rows.map((r) => r.object_path);
  });
  for (const key of keys) await storage.deleteQuietly(key);
  return keys.length;
}
