import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import { DomainError } from '../errors.ts';

/**
 * AES-256-GCM at rest for no-trace content (decision 015). Texts are one sealed box; media is sealed in
 * 64 KiB chunks so a byte range can be decrypted without reading the whole object (video seeking).
 */

const TEXT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** version(1) | iv(12) | tag(16) | ciphertext. `aad` binds the box to where it is stored. */
export function sealText(key: Buffer, plain: string, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([TEXT_VERSION]), iv, cipher.getAuthTag(), body]);
}

/** The text, or null when the box is not one of ours or was tampered with. */
export function openText(key: Buffer, box: Buffer, aad: string): string | null {
  if (box.length < 1 + IV_BYTES + TAG_BYTES || box[0] !== TEXT_VERSION) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(box.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(box.subarray(1 + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return null;
  }
}

// Media: header = "IPS1" | 8-byte nonce prefix; then chunks of CHUNK plaintext bytes, each ciphertext | tag.
// Chunk i's nonce is prefix | uint32(i); its AAD is the header and whether it is the last chunk, so chunks
// cannot be reordered, dropped or the object truncated.
const MAGIC = Buffer.from('IPS1');
export const MEDIA_HEADER_BYTES = MAGIC.length + 8;
export const MEDIA_CHUNK = 64 * 1024;
const SEALED_CHUNK = MEDIA_CHUNK + TAG_BYTES;

const chunkCount = (plainSize: number) => Math.max(1, Math.ceil(plainSize / MEDIA_CHUNK));

/** Stored size of a sealed object holding `plainSize` bytes. */
export const sealedSize = (plainSize: number) =>
  MEDIA_HEADER_BYTES + plainSize + TAG_BYTES * chunkCount(plainSize);

/** Plaintext size of a sealed object of `stored` bytes (the inverse of sealedSize). */
export function plainSize(stored: number): number {
  const body = stored - MEDIA_HEADER_BYTES;
  if (body < TAG_BYTES) return 0;
  return body - TAG_BYTES * Math.ceil(body / SEALED_CHUNK);
}

function chunkNonce(header: Buffer, index: number): Buffer {
  const iv = Buffer.alloc(IV_BYTES);
  header.copy(iv, 0, MAGIC.length, MEDIA_HEADER_BYTES);
  iv.writeUInt32BE(index, 8);
  return iv;
}

function chunkAad(header: Buffer, last: boolean) {
  return Buffer.concat([header, Buffer.from([last ? 1 : 0])]);
}

function sealChunk(key: Buffer, header: Buffer, index: number, plain: Buffer, last: boolean): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, chunkNonce(header, index));
  cipher.setAAD(chunkAad(header, last));
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function openChunk(key: Buffer, header: Buffer, index: number, sealed: Buffer, last: boolean): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, chunkNonce(header, index));
  decipher.setAAD(chunkAad(header, last));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
}

/** Encrypts a plaintext stream; fails with payload_too_large past `maxPlain` bytes (nothing is kept then). */
export function sealingStream(key: Buffer, maxPlain = Number.POSITIVE_INFINITY): Transform {
  const header = Buffer.concat([MAGIC, randomBytes(8)]);
  let pending = Buffer.alloc(0);
  let index = 0;
  let seen = 0;
  let started = false;
  const start = (t: Transform) => {
    if (!started) t.push(header);
    started = true;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxPlain) {
        done(new DomainError('payload_too_large', 'payload_too_large', `upload exceeds ${maxPlain} bytes`));
        return;
      }
      start(this);
      pending = Buffer.concat([pending, chunk]);
      // Keep the last (possibly full) chunk back: only the flush knows it is the last one.
      while (pending.length > MEDIA_CHUNK) {
        this.push(sealChunk(key, header, index++, pending.subarray(0, MEDIA_CHUNK), false));
        pending = pending.subarray(MEDIA_CHUNK);
      }
      done();
    },
    flush(done) {
      start(this);
      this.push(sealChunk(key, header, index, pending, true));
      done();
    },
  });
}

/** Where the chunks covering plaintext bytes start..end (inclusive) sit in the stored object. */
export function sealedRange(plain: { start: number; end: number }, stored: number) {
  const first = Math.floor(plain.start / MEDIA_CHUNK);
  const last = Math.floor(plain.end / MEDIA_CHUNK);
  return {
    first,
    start: MEDIA_HEADER_BYTES + first * SEALED_CHUNK,
    end: Math.min(MEDIA_HEADER_BYTES + (last + 1) * SEALED_CHUNK, stored) - 1,
  };
}

/**
 * Decrypts the stored bytes of chunks `first`… (a stream of sealedRange's span) and emits plaintext bytes
 * `skip`… up to `length` bytes. A tampered chunk or a wrong key fails the stream.
 */
export function openingStream(
  key: Buffer,
  header: Buffer,
  o: { first: number; totalChunks: number; skip: number; length: number },
): Transform {
  if (header.length !== MEDIA_HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC))
    throw new Error('not a sealed object');
  let pending = Buffer.alloc(0);
  let index = o.first;
  let skip = o.skip;
  let left = o.length;
  const emit = (t: Transform, plain: Buffer) => {
    let out = plain;
    if (skip) {
      const cut = Math.min(skip, out.length);
      out = out.subarray(cut);
      skip -= cut;
    }
    if (out.length > left) out = out.subarray(0, left);
    left -= out.length;
    if (out.length) t.push(out);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      pending = Buffer.concat([pending, chunk]);
      try {
        while (pending.length >= SEALED_CHUNK && index < o.totalChunks - 1) {
          emit(this, openChunk(key, header, index++, pending.subarray(0, SEALED_CHUNK), false));
          pending = pending.subarray(SEALED_CHUNK);
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done) {
      try {
        if (pending.length) {
          const last = index === o.totalChunks - 1;
          emit(this, openChunk(key, header, index, pending, last));
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

export const totalChunks = (stored: number) => chunkCount(plainSize(stored));
