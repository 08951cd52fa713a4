import type { JwtClaims } from '@ipelya/db';
import type { Logger } from 'pino';
import type { SqlErrorTable } from '../errors.ts';

/** Per-request values the middleware sets for handlers. */
export type AppVariables = {
  requestId: string;
  log: Logger;
  /** Verified claims of an authenticated user; null for anonymous requests. */
  claims: JwtClaims | null;
  ip: string | null;
  /** The registry's custom SQLSTATE table (src/domains.ts), for turning database errors into API errors. */
  sqlErrors: SqlErrorTable;
};
export type AppEnv = { Variables: AppVariables };
