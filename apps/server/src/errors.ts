/**
 * Errors domain code throws. Transport code maps `kind` to an HTTP status; domain code never knows HTTP.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'payment_required'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unavailable'
  | 'not_configured';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', 'not_found', `${what} not found`);
export const forbidden = (message: string) => new DomainError('forbidden', 'forbidden', message);
export const invalid = (field: string, message: string) =>
  new DomainError('validation', 'validation_failed', message, { fields: [{ path: field, message }] });

/**
 * For `.catch` on a query whose SQL function refuses bad input (class 22) without saying which argument: a 400
 * naming `field` (or the field the message points at).
 */
export function inputErrorOn(field: string | ((message: string) => string)) {
  return (err: unknown): never => {
    const e = err as { code?: string; message?: string };
    if (typeof e?.code === 'string' && e.code.startsWith('22') && e.code !== '22021' && e.code !== '22P05') {
      const message = e.message ?? 'invalid input';
      throw invalid(typeof field === 'string' ? field : field(message), message);
    }
    throw err;
  };
}

/**
 * A custom SQLSTATE (class `IP…`) that a domain's SQL functions raise, and the API error it becomes. Each
 * domain module declares its own (`sqlErrors`); src/domains.ts assembles them into one table.
 */
export type SqlErrorCode = {
  sqlstate: string;
  kind: ErrorKind;
  code: string;
  /** Used when the database error carries no message. */
  message: string;
  /** The error's HINT names the offending request field (a limit a function enforces). */
  hintNamesField?: boolean;
  /** Always answer with `message`, not the database's own text. */
  ownMessage?: boolean;
};

export type SqlErrorTable = ReadonlyMap<string, SqlErrorCode>;

/** One table from every domain's codes; a SQLSTATE declared twice is a wiring mistake and throws at boot. */
export function sqlErrorTable(codes: SqlErrorCode[]): SqlErrorTable {
  const table = new Map<string, SqlErrorCode>();
  for (const c of codes) {
    if (table.has(c.sqlstate)) throw new Error(`SQLSTATE ${c.sqlstate} is declared by two domains`);
    table.set(c.sqlstate, c);
  }
  return table;
}

/**
 * Maps PostgreSQL errors raised by policies and functions into domain errors: the standard classes here, the
 * custom `IP…` codes from `custom` (the registry's table, see src/domains.ts).
 */
export function fromPgError(err: unknown, custom: SqlErrorTable = new Map()): DomainError | undefined {
  const e = err as { code?: string; message?: string; constraint?: string; hint?: string };
  switch (e?.code) {
    case '42501': // insufficient_privilege: RLS or a function's own check said no
      return new DomainError(
        'forbidden',
        'forbidden',
        e.message?.includes('row-level security') ? 'not allowed' : (e.message ?? 'not allowed'),
      );
    case '23505':
      return new DomainError('conflict', 'conflict', 'already exists', { constraint: e.constraint });
    case '23503':
      return new DomainError('validation', 'invalid_reference', 'a referenced item does not exist', {
        constraint: e.constraint,
      });
    case '23514':
      return new DomainError('validation', 'constraint_violation', e.message ?? 'constraint violated', {
        constraint: e.constraint,
      });
    case '22021': // character_not_in_repertoire: a NUL or invalid UTF-8 the input checks missed
    case '22P05': // untranslatable_character
      return new DomainError(
        'validation',
        'invalid_characters',
        'text contains characters that cannot be stored',
      );
    case '22023':
    case '22P02':
    case '22007':
    case '22008':
      return new DomainError('validation', 'invalid_input', e.message ?? 'invalid input');
    case '55000': // object_not_in_prerequisite_state: a step run out of its flow (e.g. an account deletion step)
      return new DomainError('conflict', 'out_of_order', e.message ?? 'not possible in this state');
    case '28000':
      return new DomainError('unauthenticated', 'unauthenticated', e.message ?? 'not signed in');
    case '0A000':
      return new DomainError(
        'unavailable',
        'feature_unavailable',
        e.message ?? 'not available on this database',
      );
    default: {
      const c = e?.code ? custom.get(e.code) : undefined;
      if (!c) return undefined;
      const message = c.ownMessage ? c.message : (e.message ?? c.message);
      return new DomainError(
        c.kind,
        c.code,
        message,
        c.hintNamesField && e.hint ? { fields: [{ path: e.hint, message }] } : undefined,
      );
    }
  }
}
