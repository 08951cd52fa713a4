import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Driver } from './types.ts';

export const BOOTSTRAP_SQL_PATH = new URL('../sql/bootstrap.sql', import.meta.url);

export type MigrationFile = { version: string; name: string; path: string };

/** Supabase CLI layout: `<14-digit timestamp>_<name>.sql`, applied in version order. */
export function listMigrations(dir: string): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => /^\d{14}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const [version, ...rest] = f.replace(/\.sql$/, '').split('_');
      return { version: version!, name: rest.join('_'), path: join(dir, f) };
    });
}

export async function isSupabase(driver: Driver): Promise<boolean> {
  const { rows } = await driver.query<{ ok: boolean }>(
    `select exists (select 1 from pg_roles where rolname = 'supabase_admin') as ok`,
  );
  return rows[0]?.ok === true;
}

/**
 * Brings a database to the current schema: on a non-Supabase database first creates what Supabase would
 * provide (auth schema, roles), then applies pending migrations, each in its own transaction, tracked in
 * `supabase_migrations.schema_migrations` exactly like the Supabase CLI does. An advisory lock keeps two
 * processes starting at once from racing.
 */
export async function migrate(driver: Driver, migrationsDir: string): Promise<string[]> {
  const applied: string[] = [];
  await driver.query('select pg_advisory_lock(7426517)');
  try {
    if (!(await isSupabase(driver))) await driver.exec(readFileSync(BOOTSTRAP_SQL_PATH, 'utf8'));
    await driver.exec(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (
        version text primary key, statements text[], name text
      );`);
    const { rows } = await driver.query<{ version: string }>(
      'select version from supabase_migrations.schema_migrations',
    );
    const done = new Set(rows.map((r) => r.version));
    for (const m of listMigrations(migrationsDir)) {
      if (done.has(m.version)) continue;
      const sql = readFileSync(m.path, 'utf8');
      await driver
        .transaction(async (tx) => {
          // Each migration runs as one script; PGlite and pg both accept multi-statement text without params.
          await tx.exec(sql);
          await tx.query(
            'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
            [m.version, m.name, [sql]],
          );
        })
        .catch((err: unknown) => {
          const e = err as { message?: string; code?: string; position?: string };
          throw new Error(`migration ${m.version}_${m.name} failed: ${e.message} (sqlstate ${e.code})`, {
            cause: err,
          });
        });
      applied.push(`${m.version}_${m.name}`);
    }
  } finally {
    await driver.query('select pg_advisory_unlock(7426517)');
  }
  return applied;
}
