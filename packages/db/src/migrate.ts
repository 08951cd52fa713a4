import { createHash } from 'node:crypto';
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

/** sha256 of a migration's text: what the migrator records for it, and compares on every start. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * The database's recorded migration history does not match the migrations directory: the operator's to fix
 * (the message says how), so the server reports it without a stack.
 */
export class MigrationHistoryError extends Error {
  override name = 'MigrationHistoryError';
}

type AppliedRow = {
  version: string;
  name: string | null;
  checksum: string | null;
  statements: string[] | null;
};

/**
 * Refuses a database whose recorded history does not match the files (docs/database.md): a version the
 * directory no longer has (the migrations were squashed, or a file was deleted), or a landed migration whose
 * text changed since it was applied. Rows the Supabase CLI wrote (no checksum, statements split per
 * statement) can only be checked for existence.
 */
function checkHistory(applied: AppliedRow[], files: MigrationFile[], texts: Map<string, string>): void {
  // An empty directory means "do not migrate" (the edge bundle carries no migrations): nothing to compare.
  if (files.length === 0) return;
  const byVersion = new Map(files.map((f) => [f.version, f]));
  const missing = applied.filter((r) => !byVersion.has(r.version));
  if (missing.length > 0) {
    const names = missing.map((r) => `${r.version}_${r.name ?? '?'}`).join(', ');
    throw new MigrationHistoryError(
      `the database records migrations that the migrations directory no longer has: ${names}. ` +
        'The migrations were squashed into a baseline (docs/database.md): a local database built from the old files ' +
        'cannot be migrated. Reset it: stop the server and delete DATA_DIR (the embedded database, .data/pglite by ' +
        'default), or drop and recreate the PostgreSQL database, then start again.',
    );
  }
  for (const r of applied) {
    const file = byVersion.get(r.version)!;
    const sum = migrationChecksum(texts.get(r.version)!);
    const recorded = r.checksum ?? (r.statements?.length === 1 ? migrationChecksum(r.statements[0]!) : null);
    if (recorded !== null && recorded !== sum) {
      throw new MigrationHistoryError(
        `migration ${file.version}_${file.name} was changed after it was applied (${file.path}). Migrations are ` +
          'immutable once they landed: restore the file, change the schema in supabase/schemas and add a new ' +
          'migration (docs/database.md).',
      );
    }
  }
}

/**
 * Brings a database to the current schema: on a non-Supabase database first creates what Supabase would
 * provide (auth schema, roles), then applies pending migrations, each in its own transaction, tracked in
 * `supabase_migrations.schema_migrations` like the Supabase CLI does, plus a sha256 `checksum` column (the
 * CLI leaves it null) so an edited landed migration is refused at start-up. An advisory lock keeps two
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
      );
      alter table supabase_migrations.schema_migrations add column if not exists checksum text;`);
    const { rows } = await driver.query<AppliedRow>(
      'select version, name, checksum, statements from supabase_migrations.schema_migrations order by version',
    );
    const files = listMigrations(migrationsDir);
    const texts = new Map(files.map((f) => [f.version, readFileSync(f.path, 'utf8')]));
    checkHistory(rows, files, texts);
    const done = new Set(rows.map((r) => r.version));
    for (const m of files) {
      if (done.has(m.version)) continue;
      const sql = texts.get(m.version)!;
      await driver
        .transaction(async (tx) => {
          // Each migration runs as one script; PGlite and pg both accept multi-statement text without params.
          await tx.exec(sql);
          await tx.query(
            'insert into supabase_migrations.schema_migrations (version, name, statements, checksum) values ($1, $2, $3, $4)',
            [m.version, m.name, [sql], migrationChecksum(sql)],
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
