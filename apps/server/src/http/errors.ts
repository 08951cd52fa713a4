import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { DomainError, type ErrorKind, fromPgError } from '../errors.ts';
import type { AppEnv } from './context.ts';

const STATUS: Record<ErrorKind, ContentfulStatusCode> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
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

/** Normalises anything thrown into a DomainError; unknown errors become a 500 without internals. */
export function toDomainError(err: unknown): DomainError | null {
  if (err instanceof DomainError) return err;
  return fromPgError(err) ?? null;
}

/** The one error shape of /api: { error: { code, message, details, request_id } }. */
export function apiErrorResponse(c: Context<AppEnv>, err: unknown) {
  const requestId = c.get('requestId');
  const known = toDomainError(err);
  if (!known) {
    const status = (err as { status?: number }).status;
    if (status === 413) {
      return c.json(
        { error: { code: 'payload_too_large', message: 'request body is too large', request_id: requestId } },
        413,
      );
    }
    c.get('log')?.error({ err }, 'unhandled error');
    return c.json(
      { error: { code: 'internal_error', message: 'Something went wrong', request_id: requestId } },
      500,
    );
  }
  if (known.kind === 'rate_limited') c.header('retry-after', '60');
  return c.json(
    { error: { code: known.code, message: known.message, details: known.details, request_id: requestId } },
    statusFor(known.kind),
  );
}
