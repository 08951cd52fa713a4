import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { scratchDatabase } from '@ipelya/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from './database.ts';
import { openPglite } from './drivers.ts';
import { listMigrations, MigrationHistoryError, migrate, migrationChecksum } from './migrate.ts';

const migrationsDir = resolve(import.meta.dirname, '../../../supabase/migrations');
const targets = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function open(target: string): Promise<Database> {
  if (target === 'pglite') return Database.open({ migrationsDir });
  const scratch = await scratchDatabase(process.env.TEST_DATABASE_URL!, 'ipelya_db');
  cleanups.push(scratch.drop);
  return Database.open({ url: scratch.url, migrationsDir });
}

describe('migration files', () => {
  it('follow the Supabase CLI naming and sort by timestamp', () => {
    const files = listMigrations(migrationsDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f.version).toMatch(/^\d{14}$/);
    expect(files.map((f) => f.version)).toEqual([...files.map((f) => f.version)].sort());
  });
});

describe.each(targets)('database bootstrap and migrations (%s)', (target) => {
  it('creates the Supabase auth surface and tracks applied migrations', async () => {
    const db = await open(target);
    try {
      const roles = await db.driver.query<{ rolname: string }>(
        `select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role') order by 1`,
      );
      expect(roles.rows.map((r) => r.rolname)).toEqual(['anon', 'authenticated', 'service_role']);
      const applied = await db.driver.query<{ version: string }>(
        'select version from supabase_migrations.schema_migrations order by 1',
      );
      expect(applied.rows.map((r) => r.version)).toEqual(listMigrations(migrationsDir).map((m) => m.version));
      expect(db.capabilities.vector).toBe(target === 'pglite');
      // auth.uid()/auth.jwt()/auth.role() read the claims the session sets, as on Supabase.
      const sub = randomUUID();
      const who = await db.asUser({ sub, role: 'authenticated' }, async (tx) => {
        const { rows } = await tx.query<{ uid: string; role: string; r: string; cur: string }>(
          `select auth.uid()::text as uid, auth.role() as role, auth.jwt() ->> 'role' as r, current_user as cur`,
        );
        return rows[0]!;
      });
      expect(who).toEqual({ uid: sub, role: 'authenticated', r: 'authenticated', cur: 'authenticated' });
      const anon = await db.asAnon(
        async (tx) => (await tx.query<{ cur: string }>('select current_user as cur')).rows[0]!.cur,
      );
      expect(anon).toBe('anon');
    } finally {
      await db.close();
    }
  });

  it('rolls back a failed user transaction completely', async () => {
    const db = await open(target);
    try {
      await expect(
        db.service('test', async (tx) => {
          await tx.query(`insert into auth.users (email) values ('rollback@example.com')`);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows } = await db.driver.query(`select 1 from auth.users where email = 'rollback@example.com'`);
      expect(rows).toHaveLength(0);
    } finally {
      await db.close();
    }
  });

  it.skipIf(target !== 'postgres')('answers a clear error where pgvector is missing', async () => {
    const db = await open(target);
    try {
      await expect(
        db.service('test', (tx) => tx.query('select * from public.similar_creators(5)')),
      ).rejects.toThrow('vector search is not available on this database');
    } finally {
      await db.close();
    }
  });

  it.skipIf(target !== 'pglite')('has HNSW indexes on the embedding columns under pgvector', async () => {
    const db = await open(target);
    try {
      const { rows } = await db.driver.query<{ indexname: string }>(
        `select indexname from pg_indexes where tablename = 'profile_vectors' and indexdef like '%hnsw%' order by 1`,
      );
      expect(rows.map((r) => r.indexname)).toEqual([
        'profile_vectors_behaviour_hnsw',
        'profile_vectors_preference_hnsw',
        'profile_vectors_vibe_hnsw',
      ]);
    } finally {
      await db.close();
    }
  });
});

describe('migration history checks', () => {
  // Small throwaway migrations: the rules are about files and their recorded checksums, not the schema.
  function dirWith(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'ipelya-migrate-'));
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
    return dir;
  }

  it('records a sha256 checksum of every applied migration', async () => {
    const driver = await openPglite();
    try {
      const sql = 'create table public.t1 (id int);';
      await migrate(driver, dirWith({ '20990101000000_one.sql': sql }));
      const { rows } = await driver.query<{ checksum: string; statements: string[] }>(
        'select checksum, statements from supabase_migrations.schema_migrations',
      );
      expect(rows).toEqual([{ checksum: migrationChecksum(sql), statements: [sql] }]);
      expect(migrationChecksum(sql)).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await driver.close();
    }
  });

  it('refuses to start when a landed migration was edited, naming the file', async () => {
    const driver = await openPglite();
    try {
      const dir = dirWith({ '20990101000000_one.sql': 'create table public.t1 (id int);' });
      await migrate(driver, dir);
      writeFileSync(join(dir, '20990101000000_one.sql'), 'create table public.t1 (id int, extra text);');
      await expect(migrate(driver, dir)).rejects.toThrow(
        /migration 20990101000000_one was changed after it was applied \(.*20990101000000_one\.sql\)/,
      );
      // Rows written before checksums existed are checked through their recorded text.
      await driver.query('update supabase_migrations.schema_migrations set checksum = null');
      await expect(migrate(driver, dir)).rejects.toThrow('was changed after it was applied');
      // An added migration is fine; so is the original text back.
      writeFileSync(join(dir, '20990101000000_one.sql'), 'create table public.t1 (id int);');
      writeFileSync(join(dir, '20990102000000_two.sql'), 'create table public.t2 (id int);');
      expect(await migrate(driver, dir)).toEqual(['20990102000000_two']);
    } finally {
      await driver.close();
    }
  });

  it('refuses a database that records migrations the directory no longer has (an old DATA_DIR)', async () => {
    const driver = await openPglite();
    try {
      await migrate(driver, dirWith({ '20990101000000_one.sql': 'create table public.t1 (id int);' }));
      const squashed = dirWith({ '20990201000000_baseline.sql': 'create table public.t1 (id int);' });
      await expect(migrate(driver, squashed)).rejects.toThrow(
        /records migrations that the migrations directory no longer has: 20990101000000_one\. .*delete DATA_DIR/,
      );
      // A typed error: the server prints it as one line for the operator, not as a crash with a stack.
      await expect(migrate(driver, squashed)).rejects.toBeInstanceOf(MigrationHistoryError);
      // An empty directory means "do not migrate" (the edge bundle): nothing to compare, nothing applied.
      expect(await migrate(driver, dirWith({}))).toEqual([]);
    } finally {
      await driver.close();
    }
  });
});

describe('migrating twice', () => {
  it('is a no-op the second time (restart of the server)', async () => {
    const { openPglite } = await import('./drivers.ts');
    const { migrate } = await import('./migrate.ts');
    const driver = await openPglite();
    try {
      const first = await migrate(driver, migrationsDir);
      const second = await migrate(driver, migrationsDir);
      expect(first.length).toBe(listMigrations(migrationsDir).length);
      expect(second).toEqual([]);
    } finally {
      await driver.close();
    }
  });
});
