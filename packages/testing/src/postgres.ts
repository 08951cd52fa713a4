import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** A fresh, empty database on a test PostgreSQL server (TEST_DATABASE_URL); `drop` removes it. */
export async function scratchDatabase(
  adminUrl: string,
  prefix = 'ipelya_t',
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}
