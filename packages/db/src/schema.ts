import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Queryable } from './types.ts';

/**
 * The declared schema: `[db.migrations] schema_paths` of supabase/config.toml (Supabase declarative schemas),
 * resolved against the config's directory, in the order listed (the order they apply in).
 */
export function listSchemaFiles(configToml: string): string[] {
  const text = readFileSync(configToml, 'utf8');
  const m = /^schema_paths\s*=\s*\[([^\]]*)\]/m.exec(text);
  if (!m) throw new Error(`${configToml} has no [db.migrations] schema_paths`);
  const paths = [...m[1]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!);
  return paths.map((p) => resolve(dirname(configToml), p));
}

// Schemas a migration may touch; pg_catalog, information_schema and the migrator's own bookkeeping are not
// part of the compared state.
const SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations')
  and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'`;

/**
 * Everything a migration can change, as sorted text lines: extensions, relations (kind, RLS enabled/forced,
 * grants), columns (type, default, nullability, column grants), constraints, indexes, policies, functions
 * (full definition: args, return, volatility, security, config, body; grants), triggers, views and the rows of
 * every public table (settings seeded by migrations). Two databases with equal snapshots have the same schema.
 */
export async function catalogSnapshot(db: Queryable): Promise<string[]> {
  const q = async (sql: string) => (await db.query<{ line: string }>(sql)).rows.map((r) => r.line);
  const parts = await Promise.all([
    q(
      `select 'extension ' || extname || ' in ' || extnamespace::regnamespace::text as line from pg_extension`,
    ),
    q(`select 'schema ' || n.nspname || ' acl ' || coalesce(n.nspacl::text, '-') as line
         from pg_namespace n where ${SCHEMAS}`),
    q(`select 'relation ' || c.oid::regclass::text || ' kind ' || c.relkind::text || ' rls ' || c.relrowsecurity
           || ' force ' || c.relforcerowsecurity || ' acl ' || coalesce(c.relacl::text, '-') as line
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where ${SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')`),
    q(`select 'column ' || c.oid::regclass::text || '.' || a.attname
           || ' #' || row_number() over (partition by c.oid order by a.attnum)
           || ' ' || format_type(a.atttypid, a.atttypmod) || case when a.attnotnull then ' not null' else '' end
           || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
           || case when a.attgenerated <> '' then ' generated' else '' end
           || coalesce(' acl ' || a.attacl::text, '') as line
         from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
         left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where ${SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0 and not a.attisdropped`),
    q(`select 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
           || case when c.condeferrable then ' deferrable' else '' end
           || case when c.condeferred then ' deferred' else '' end as line
         from pg_constraint c join pg_namespace n on n.oid = c.connamespace where ${SCHEMAS} and c.conrelid <> 0`),
    q(`select 'index ' || pg_get_indexdef(i.indexrelid) as line
         from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
        where ${SCHEMAS}`),
    q(`select 'policy ' || schemaname || '.' || tablename || ' "' || policyname || '" ' || permissive || ' ' || cmd
           || ' to ' || array_to_string(roles, ',') || ' using ' || coalesce(qual, '-')
           || ' check ' || coalesce(with_check, '-') as line
         from pg_policies`),
    q(`select 'function ' || p.oid::regprocedure::text || ' acl ' || coalesce(p.proacl::text, '-') || E'\n'
           || pg_get_functiondef(p.oid) as line
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where ${SCHEMAS} and p.prokind in ('f', 'p')
          and not exists (select 1 from pg_depend dep where dep.objid = p.oid and dep.deptype = 'e')`),
    q(`select 'trigger ' || t.tgrelid::regclass::text || ' ' || pg_get_triggerdef(t.oid)
           || case when t.tgenabled <> 'O' then ' enabled ' || t.tgenabled::text else '' end as line
         from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
        where ${SCHEMAS} and not t.tgisinternal`),
    q(`select 'view ' || c.oid::regclass::text || ' ' || pg_get_viewdef(c.oid) as line
         from pg_class c join pg_namespace n on n.oid = c.relnamespace where ${SCHEMAS} and c.relkind in ('v', 'm')`),
    q(`select 'type ' || t.oid::regtype::text || ' ' || t.typtype::text as line
         from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where ${SCHEMAS} and t.typtype in ('e', 'd', 'c') and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
          and not exists (select 1 from pg_depend dep where dep.objid = t.oid and dep.deptype = 'e')`),
  ]);
  const tables = await q(`select c.oid::regclass::text as line from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' order by 1`);
  for (const t of tables) {
    const { rows } = await db.query<{ r: string }>(`select to_jsonb(x)::text as r from ${t} x`);
    parts.push(rows.map((r) => `row ${t} ${r.r}`));
  }
  return parts.flat().sort();
}
