import type { JwtClaims } from '@ipelya/db';
import type { Logger } from 'pino';

/** Per-request values the middleware sets for handlers. */
export type AppVariables = {
  requestId: string;
  log: Logger;
  /** Verified claims of an authenticated user; null for anonymous requests. */
  claims: JwtClaims | null;
  ip: string | null;
};
export type AppEnv = { Variables: AppVariables };
