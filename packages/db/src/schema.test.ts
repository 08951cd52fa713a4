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

  it('declares every function and policy once, in its live form (no redefinition, no drop)', () => {
    const text = schemaFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(text).not.toMatch(
      /create\s+or\s+replace|drop\s+(function|policy|table)|alter\s+(function|policy)/i,
    );
    const names = (re: RegExp) => [...text.matchAll(re)].map((m) => m[1]!.toLowerCase());
    const once = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);
    const functions = names(/create\s+function\s+([\w.]+)\s*\(/gi);
    expect(functions.length).toBeGreaterThan(100);
    expect(once(functions)).toEqual([]);
    expect(once(names(/create\s+policy\s+("[^"]+"\s+on\s+[\w.]+)/gi))).toEqual([]);
    // profile_vectors is declared in both arms of one `if pgvector is available` block.
    expect(once(names(/create\s+table\s+([\w.]+)/gi))).toEqual(['public.profile_vectors']);
  });

  it('names boolean helpers is_/has_/can_ and every parameter p_', () => {
    const text = schemaFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
    const heads = [...text.matchAll(/create\s+function\s+public\.(\w+)\s*\(([^$]*?)\)\s*returns\s+(\w+)/gi)];
    expect(heads.length).toBeGreaterThan(100);
    const params = heads.flatMap(([, fn, args]) =>
      args!
        .split(',')
        .map((a) => a.trim().split(/\s+/)[0]!)
        .filter((a) => a && !a.startsWith('p_'))
        .map((a) => `${fn}(${a})`),
    );
    expect(params).toEqual([]);
    // Boolean predicates; verbs that answer true/false for "done" (become_creator, verify_age, …) are actions.
    const actions = new Set([
      'become_creator',
      'verify_age',
      'revoke_my_session',
      'broadcast_typing',
      'purchase_record_fee',
    ]);
    const predicates = heads
      .filter(([, fn, , ret]) => ret!.toLowerCase() === 'boolean' && !actions.has(fn!))
      .map(([, fn]) => fn!)
      .filter((fn) => !/^(is|has|can)_/.test(fn));
    expect(predicates).toEqual([]);
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
