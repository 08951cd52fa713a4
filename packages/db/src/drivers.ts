import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import type { Driver, NotificationHandler, Queryable, QueryResult, Row } from './types.ts';

/** Embedded PostgreSQL (WASM) with pgvector; `dataDir` undefined means in-memory (tests). */
export async function openPglite(dataDir?: string): Promise<Driver> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, extensions: { vector } });
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async exec(sql: string) {
      await q.exec(sql);
    },
    async query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const res = await q.query<T>(sql, params as unknown[] | undefined);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
  });
  const root = wrap(db);
  return {
    name: 'pglite',
    // PGlite is a single connection; its transaction() holds an exclusive lock, so transactions serialize.
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: (sql, params) => root.query(sql, params),
    listen: async (channel: string, handler: NotificationHandler) => {
      const unlisten = await db.listen(channel, handler);
      return async () => unlisten();
    },
    close: () => db.close(),
  };
}

/** Any PostgreSQL reachable by URL: a Supabase project in production, Debian's PostgreSQL in CI. */
export async function openPostgres(url: string, poolSize = 10): Promise<Driver> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // Idle-client errors (server restarts) must not crash the process; the pool replaces the client.
  pool.on('error', () => {});
  const listeners: pg.Client[] = [];
  const asQueryable = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async exec(sql: string) {
      await c.query(sql);
    },
    async query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const res = await c.query(sql, params as unknown[] | undefined);
      return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
    },
  });
  return {
    name: 'postgres',
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const out = await fn(asQueryable(client));
        await client.query('commit');
        return out;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    query: (sql, params) => asQueryable(pool).query(sql, params),
    async listen(channel, handler) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      await client.connect();
      listeners.push(client);
      client.on('notification', (msg) => {
        if (msg.channel === channel && msg.payload !== undefined) handler(msg.payload);
      });
      await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      return async () => {
        await client.end().catch(() => {});
      };
    },
    async close() {
      await Promise.all(listeners.map((c) => c.end().catch(() => {})));
      await pool.end();
    },
  };
}
