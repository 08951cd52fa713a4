import { DomainError } from '../errors.ts';

/**
 * SQL for a keyset cursor's timestamp: PostgreSQL's own value as UTC ISO text with all six fractional digits.
 * A JS Date keeps milliseconds only, so a cursor made from one would skip rows that share a millisecond with
 * the page's last row (decision 016). Select it next to the row (`${cursorAt('p.created_at')} as cursor_at`)
 * and compare with `$n::timestamptz`, which parses it back to the exact value.
 */
export const cursorAt = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque keyset cursor: base64url of [timestamp text from `cursorAt`, id]. */
export function encodeCursor(at: string, id: string): string {
  if (!CURSOR_AT.test(at)) throw new Error(`cursor timestamp must come from cursorAt(), got ${at}`);
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/** Parses a cursor; anything malformed is a 400 naming `field` (the query parameter it came from). */
export function decodeCursor(
  cursor: string | undefined,
  field = 'cursor',
): { at: string; id: string } | null {
  if (!cursor) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at !== 'string' || typeof id !== 'string') throw new Error('bad cursor');
    if (!CURSOR_AT.test(at) || Number.isNaN(Date.parse(at)) || !UUID.test(id)) throw new Error('bad cursor');
    return { at, id };
  } catch {
    throw new DomainError('validation', 'invalid_cursor', `${field}: invalid cursor`, {
      fields: [{ path: field, message: 'invalid cursor' }],
    });
  }
}

/** One page of a `limit + 1` query: the items and, when there is more, the cursor of the last item shown. */
export function keysetPage<R extends { cursor_at: string }, T>(
  rows: R[],
  limit: number,
  toItem: (row: R) => T,
  idOf: (row: R) => string,
) {
  const items = rows.slice(0, limit).map(toItem);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items, next_cursor: last ? encodeCursor(last.cursor_at, idOf(last)) : null };
}

export const iso = (d: Date | string | null | undefined): string | null =>
  d ? new Date(d).toISOString() : null;
