export type Row = Record<string, unknown>;

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** Anything that runs SQL with positional parameters ($1, $2…). */
export interface Queryable {
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a multi-statement script without parameters (migrations, seeds). */
  exec(sql: string): Promise<void>;
}

/** Verified JWT claims, as PostgREST would put them in `request.jwt.claims`. */
export type JwtClaims = {
  sub: string;
  role: string;
  session_id?: string;
  persona?: 'real' | 'shadow';
  persona_id?: string;
  /** Present only while the shadow is the active persona (then equal to persona_id). */
  shadow_profile_id?: string;
  is_creator?: boolean;
  age_verified?: boolean;
  [claim: string]: unknown;
};

export type DriverName = 'pglite' | 'postgres';

export interface Capabilities {
  /** pgvector is installed: similarity search works. */
  vector: boolean;
  /** The database is a Supabase project (auth schema and roles are Supabase's). */
  supabase: boolean;
}

export type NotificationHandler = (payload: string) => void;

/** A low-level connection the session helpers build on; one per driver. */
export interface Driver {
  readonly name: DriverName;
  /** Runs fn inside one transaction on one connection. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a multi-statement script (migrations) outside of parameter binding. */
  exec(sql: string): Promise<void>;
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
