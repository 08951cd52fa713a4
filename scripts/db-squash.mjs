// Writes supabase/migrations/<version>_baseline.sql: the declared schema (supabase/config.toml
// [db.migrations] schema_paths) concatenated in order, and removes the migrations it replaces.
//
// Only for a squash, while nothing is deployed (docs/database.md, decision 017): once a baseline has landed
// on main it is immutable like every migration, and schema changes are new migrations. So this refuses to run
// when migrations newer than the baseline exist.
//
//   node scripts/db-squash.mjs [version]     (default 20261207000000)
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const supabase = join(root, 'supabase');
const migrations = join(supabase, 'migrations');
const version = process.argv[2] ?? '20261207000000';
if (!/^\d{14}$/.test(version)) throw new Error(`version must be 14 digits, got ${version}`);

const config = readFileSync(join(supabase, 'config.toml'), 'utf8');
const list = /^schema_paths\s*=\s*\[([^\]]*)\]/m.exec(config);
if (!list) throw new Error('supabase/config.toml has no [db.migrations] schema_paths');
const files = [...list[1].matchAll(/"([^"]+)"/g)].map((m) => resolve(supabase, m[1]));

const existing = readdirSync(migrations).filter((f) => /^\d{14}_[\w-]+\.sql$/.test(f));
const later = existing.filter((f) => f.slice(0, 14) > version);
if (later.length > 0)
  throw new Error(`migrations after the baseline exist (${later.join(', ')}): squash is over`);

const parts = files.map((f) => `-- >>> ${relative(root, f)}\n\n${readFileSync(f, 'utf8').trimEnd()}\n`);
const head = `-- Baseline: the declared schema (supabase/schemas, in config.toml schema_paths order) as one migration.
-- Written by scripts/db-squash.mjs; the schema files are what to read and edit (docs/database.md).
`;
for (const f of existing) rmSync(join(migrations, f));
writeFileSync(join(migrations, `${version}_baseline.sql`), `${head}\n${parts.join('\n')}`);
console.log(
  `wrote supabase/migrations/${version}_baseline.sql from ${files.length} schema files; removed ${existing.length} migrations`,
);
