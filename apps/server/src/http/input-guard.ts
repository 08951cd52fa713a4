import type { MiddlewareHandler } from 'hono';
import { DomainError } from '../errors.ts';
import type { AppEnv } from './context.ts';

/**
 * PostgreSQL text cannot hold U+0000 (error 22021), so a NUL anywhere in input is refused up front as a 400
 * naming the field, instead of failing deep in SQL. The database mapping in errors.ts is the backstop.
 */
export function nulField(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') || 'body' : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const hit = nulField(v, [...path, String(i)]);
      if (hit !== null) return hit;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return [...path, k.replaceAll('\u0000', '\\0')].join('.');
      const hit = nulField(v, [...path, k]);
      if (hit !== null) return hit;
    }
  }
  return null;
}

export const nulError = (field: string) =>
  new DomainError('validation', 'invalid_characters', `${field}: must not contain NUL characters`, {
    fields: [{ path: field, message: 'must not contain NUL characters' }],
  });

/** Throws the 400 when any string in `value` (a parsed body, query or params object) holds a NUL. */
export function assertNoNul(value: unknown): void {
  const field = nulField(value);
  if (field !== null) throw nulError(field);
}

/** Every route, in or outside the OpenAPI document: a NUL in the path or a query parameter is a 400. */
export function rejectNulInUrl(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = c.req.url;
    if (/%00/i.test(url) || url.includes('\u0000')) {
      const parsed = new URL(url);
      if (/%00/i.test(parsed.pathname) || parsed.pathname.includes('\u0000')) throw nulError('path');
      for (const [k, v] of parsed.searchParams)
        if (`${k}${v}`.includes('\u0000')) throw nulError(k.replaceAll('\u0000', '\\0') || 'query');
    }
    await next();
  };
}
