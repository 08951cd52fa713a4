import { openPglite, openPostgres } from './drivers.ts';
import { isSupabase, migrate } from './migrate.ts';
import type { Capabilities, Driver, JwtClaims, NotificationHandler, Queryable } from './types.ts';

export type DatabaseOptions = {
  /** PostgreSQL URL; when absent the embedded PGlite is used. */
  url?: string;
  /** PGlite data directory; absent means in-memory. */
  dataDir?: string;
  migrationsDir: string;
  poolSize?: number;
};

/** Postgres SQLSTATE codes the app maps to API errors. */
export function pgErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The one door to the database. User work runs as `authenticated`/`anon` with the verified claims set, so
 * RLS decides; privileged work goes through `service(reason, fn)` and nowhere else.
 */
export class Database {
  private constructor(
    readonly driver: Driver,
    readonly capabilities: Capabilities,
  ) {}

  static async open(opts: DatabaseOptions): Promise<Database> {
    const driver = opts.url ? await openPostgres(opts.url, opts.poolSize) : await openPglite(opts.dataDir);
    try {
      await migrate(driver, opts.migrationsDir);
      const { rows } = await driver.query<{ vector: boolean }>(
        `select exists (select 1 from pg_extension where extname = 'vector') as vector`,
      );
      return new Database(driver, { vector: rows[0]?.vector === true, supabase: await isSupabase(driver) });
    } catch (err) {
      await driver.close();
      throw err;
    }
  }

  /** Runs fn in a transaction as the JWT's role with `request.jwt.claims` set, exactly as PostgREST does. */
  asUser<T>(claims: JwtClaims, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    if (claims.role !== 'authenticated')
      throw new Error(`asUser needs an authenticated token, got role ${claims.role}`);
    return this.withRole('authenticated', claims, fn);
  }

  /** Runs fn as `anon`: only what the policies make public. */
  asAnon<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.withRole('anon', { role: 'anon' }, fn);
  }

  /** Claims decide: an authenticated user, or anon when there are none. */
  as<T>(claims: JwtClaims | null, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return claims ? this.asUser(claims, fn) : this.asAnon(fn);
  }

  /**
   * The named privileged path (webhooks, jobs, the embedded auth server). Runs as `service_role`, which
   * bypasses RLS; `reason` is recorded in the transaction so audits and logs can tell the callers apart.
   */
  service<T>(reason: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.withRole('service_role', { role: 'service_role', reason }, fn);
  }

  private withRole<T>(
    role: string,
    claims: Record<string, unknown>,
    fn: (tx: Queryable) => Promise<T>,
  ): Promise<T> {
    return this.driver.transaction(async (tx) => {
      await tx.query(
        `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
                set_config('request.jwt.claim.sub', $3, true), set_config('request.jwt.claim.role', $1, true)`,
        [role, JSON.stringify(claims), typeof claims.sub === 'string' ? claims.sub : ''],
      );
      return fn(tx);
    });
  }

  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    return this.driver.listen(channel, handler);
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
