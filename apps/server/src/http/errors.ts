import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { DomainError, type ErrorKind, fromPgError, type SqlErrorTable } from '../errors.ts';
import type { AppEnv } from './context.ts';

const STATUS: Record<ErrorKind, ContentfulStatusCode> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  payment_required: 402,
  unavailable: 501,
  not_configured: 503,
};

export function statusFor(kind: ErrorKind): ContentfulStatusCode {
  return STATUS[kind];
}

/** Field-level messages from a zod error: `[{ path: 'body.handle', message }]`. */
export function zodDetails(error: ZodError) {
  return { fields: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
}

export function validationError(error: ZodError): DomainError {
  const first = error.issues[0];
  const where = first?.path.length ? `${first.path.join('.')}: ` : '';
  return new DomainError(
    'validation',
    'validation_failed',
    `${where}${first?.message ?? 'invalid request'}`,
    zodDetails(error),
  );
}

/** Hono's own request errors (body parsing, content type, body limit) as domain errors: client mistakes, not 500s. */
function fromHttpException(err: HTTPException): DomainError | null {
  if (err.status === 415)
    return new DomainError(
      'unsupported_media_type',
      'unsupported_media_type',
      'send the body as application/json',
    );
  if (err.status === 413)
    return new DomainError('payload_too_large', 'payload_too_large', 'request body is too large');
  if (err.status === 400)
    return /json/i.test(err.message)
      ? new DomainError('validation', 'invalid_json', 'request body is not valid JSON', {
          fields: [{ path: 'body', message: 'malformed JSON' }],
        })
      : new DomainError('validation', 'bad_request', err.message || 'bad request');
  return null;
}

/**
 * Normalises anything thrown into a DomainError; unknown errors become a 500 without internals. `sqlErrors`:
 * the registry's custom SQLSTATEs (set on every request by createHttpApp).
 */
export function toDomainError(err: unknown, sqlErrors?: SqlErrorTable): DomainError | null {
  if (err instanceof DomainError) return err;
  if (err instanceof HTTPException) return fromHttpException(err);
  return fromPgError(err, sqlErrors) ?? null;
}

/** Seconds for Retry-After: what the limiter computed, else a minute (the write limiter's window). */
export function retryAfter(err: DomainError): string {
  const s = (err.details as { retry_after_seconds?: unknown } | undefined)?.retry_after_seconds;
  return String(typeof s === 'number' && s > 0 ? Math.ceil(s) : 60);
}

/** The one error shape of /api: { error: { code, message, details, request_id } }. */
export function apiErrorResponse(c: Context<AppEnv>, err: unknown) {
  const requestId = c.get('requestId');
  const known = toDomainError(err, c.get('sqlErrors'));
  if (!known) {
    c.get('log')?.error({ err }, 'unhandled error');
    return c.json(
      { error: { code: 'internal_error', message: 'Something went wrong', request_id: requestId } },
      500,
    );
  }
  if (known.kind === 'rate_limited') c.header('retry-after', retryAfter(known));
  // The client may still be sending the rest of the body: end the connection instead of reading it.
  if (known.kind === 'payload_too_large') c.header('connection', 'close');
  return c.json(
    { error: { code: known.code, message: known.message, details: known.details, request_id: requestId } },
    statusFor(known.kind),
  );
}
