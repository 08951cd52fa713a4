import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { scratchDatabase } from '@ipelya/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, openPostgres } from './drivers.ts';
import { migrate } from './migrate.ts';
import { catalogSnapshot, listSchemaFiles } from './schema.ts';
import type { Driver } from './types.ts';

const repo = resolve(import.meta.dirname, '../../..');
const migrationsDir = join(repo, 'supabase/migrations');
const schemaFiles = listSchemaFiles(join(repo, 'supabase/config.toml'));
const targets = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function fresh(target: string): Promise<Driver> {
  if (target === 'pglite') {
    const d = await openPglite();
    cleanups.push(() => d.close());
    return d;
  }
  const scratch = await scratchDatabase(process.env.TEST_DATABASE_URL!, 'a_schema');
  const d = await openPostgres(scratch.url, 2);
  cleanups.push(scratch.drop, () => d.close());
  return d;
}

/** The declared schema applied the way the migrator applies anything: one file after another, in order. */
function schemaAsMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipelya-declared-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  schemaFiles.forEach((f, i) => {
    const name = `${basename(dirname(f))}-${basename(f, '.sql')}`;
    writeFileSync(join(dir, `${String(i + 1).padStart(14, '0')}_${name}.sql`), readFileSync(f));
  });
  return dir;
}

describe('declared schema (supabase/schemas)', () => {
  it('lists every schema file once, each domain in its own folder', () => {
    expect(schemaFiles.length).toBeGreaterThan(10);
    expect(new Set(schemaFiles).size).toBe(schemaFiles.length);
    for (const f of schemaFiles)
      expect(f).toMatch(/supabase\/schemas\/[a-z]+\/(tables|functions|policies)\.sql$/);
  });
});

describe.each(targets)('migrations build exactly the declared schema (%s)', (target) => {
  it('has the same catalog after the migrations as after the schema files', async () => {
    const [migrated, declared] = await Promise.all([fresh(target), fresh(target)]);
    await migrate(migrated, migrationsDir);
    await migrate(declared, schemaAsMigrations());
    const [a, b] = await Promise.all([catalogSnapshot(migrated), catalogSnapshot(declared)]);
    // Compared as sets of lines so a failure names what differs, not a 4000-line blob.
    const onlyMigrations = a.filter((x) => !b.includes(x));
    const onlySchema = b.filter((x) => !a.includes(x));
    expect({ onlyMigrations, onlySchema }).toEqual({ onlyMigrations: [], onlySchema: [] });
    expect(a.length).toBeGreaterThan(1000);

    // The snapshot sees a changed function body, policy and column (what an edited schema file would change).
    await declared.exec(`
      create or replace function public.is_admin() returns boolean language sql stable as $$ select true $$;
      alter policy "Owners see their own vectors" on public.profile_vectors using (true);
      alter table public.devices add column extra text;`);
    const changed = await catalogSnapshot(declared);
    const diff = changed.filter((x) => !a.includes(x)).map((x) => x.split(/[\n(]/)[0]);
    expect(diff).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^column (public\.)?devices\.extra /),
        expect.stringMatching(/^function is_admin/),
        expect.stringMatching(/^policy public.profile_vectors "Owners see their own vectors"/),
      ]),
    );
  });
});
