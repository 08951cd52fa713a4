import { Database } from '@ipelya/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets, freshPostgresDatabase } from '../test/harness.ts';
import { type DomainModule, defineDomain } from './domain-module.ts';
import {
  accountDeletionSteps,
  domains,
  privacyExpectations,
  realtimeTopics,
  serverJobs,
  sqlErrorsOf,
} from './domains.ts';
import { testEnv } from './env.ts';
import { fromPgError } from './errors.ts';

/**
 * The registry checked against the migrated database itself (pg_proc), not against migration files: the SQL
 * may move between files, the catalog is what runs.
 *
 * Custom SQLSTATEs: a code whose class is not one PostgreSQL defines. PostgreSQL's classes start with a digit,
 * or are HV (FDW), P0 (PL/pgSQL) and XX (internal); everything else (IP…, IPD…) is ours and must be declared by
 * a domain module (`sqlErrors`). Standard codes a function raises explicitly (22023, 23514, 28000, 42501,
 * 0A000 …) must be mapped by fromPgError's generic cases. Either way, no code a function raises is a 500.
 */
const STANDARD_LETTER_CLASSES = ['HV', 'P0', 'XX'];
const isCustomSqlstate = (code: string) =>
  /^[A-Z]/.test(code) && !STANDARD_LETTER_CLASSES.includes(code.slice(0, 2));

/** Our functions: every schema but the system ones, without functions that belong to an extension. */
const OUR_FUNCTIONS = `
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_%'
    and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid
                    and d.deptype = 'e')`;

type Raised = { code: string; fn: string };

async function raisedCodes(db: Database): Promise<Raised[]> {
  const { rows } = await db.driver.query<{ fn: string; src: string }>(
    `select n.nspname || '.' || p.proname as fn, p.prosrc as src ${OUR_FUNCTIONS}`,
  );
  const out: Raised[] = [];
  for (const { fn, src } of rows) {
    for (const m of src.matchAll(
      // A condition name (errcode = 'check_violation') is caught too and reported: raise the SQLSTATE itself.
      /errcode\s*=\s*'([^']+)'|raise\s+(?:\w+\s+)?sqlstate\s+'([0-9A-Z]{5})'/gi,
    ))
      out.push({ code: (m[1] ?? m[2]!).toUpperCase(), fn });
  }
  return out;
}

/** `security definer` functions whose search_path is not pinned to '' (a caller's path could hijack them). */
async function unpinnedDefiners(db: Database): Promise<string[]> {
  const { rows } = await db.driver.query<{ fn: string }>(
    `select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as fn
     ${OUR_FUNCTIONS} and p.prosecdef and not (coalesce(p.proconfig, '{}') @> array['search_path=""'])
     order by 1`,
  );
  return rows.map((r) => r.fn);
}

async function definerCount(db: Database): Promise<number> {
  const { rows } = await db.driver.query<{ n: number }>(
    `select count(*)::int as n ${OUR_FUNCTIONS} and p.prosecdef`,
  );
  return rows[0]!.n;
}

/** Topics the SQL publishes on the realtime channel: json_build_object('topic', '<name>', …). */
async function publishedTopics(db: Database): Promise<string[]> {
  const { rows } = await db.driver.query<{ src: string }>(`select p.prosrc as src ${OUR_FUNCTIONS}`);
  const topics = new Set<string>();
  for (const { src } of rows) for (const m of src.matchAll(/'topic'\s*,\s*'(\w+)'/g)) topics.add(m[1]!);
  return [...topics].sort();
}

const table = sqlErrorsOf();

/** Codes (with the functions raising them) that would answer 500: no domain declares them, or no mapping. */
function unmapped(raised: Raised[]): string[] {
  const missing = new Map<string, Set<string>>();
  for (const r of raised) {
    const mapped = isCustomSqlstate(r.code)
      ? table.has(r.code)
      : fromPgError({ code: r.code, message: 'x' }, table) !== undefined;
    if (!mapped) missing.set(r.code, (missing.get(r.code) ?? new Set()).add(r.fn));
  }
  return [...missing].map(([code, fns]) => `${code} (raised by ${[...fns].sort().join(', ')})`).sort();
}

describe.each(dbTargets())('the domain registry against the migrated catalog (%s)', (target) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const pg = target === 'postgres' ? await freshPostgresDatabase() : undefined;
    drop = pg?.drop;
    db = await Database.open({ url: pg?.url, migrationsDir: testEnv().MIGRATIONS_DIR });
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('every SQLSTATE a function raises maps to an API error; every custom one is declared by a domain', async () => {
    const raised = await raisedCodes(db);
    // Not vacuous: the scan sees the codes the ledger and the hidden-persona guards raise.
    expect(raised.map((r) => r.code)).toEqual(expect.arrayContaining(['IP402', 'IP404', '42501']));
    expect(unmapped(raised)).toEqual([]);
  });

  it('no domain declares a custom code that no function raises any more', async () => {
    const raised = new Set((await raisedCodes(db)).map((r) => r.code));
    expect([...table.keys()].filter((code) => !raised.has(code))).toEqual([]);
    expect([...table.keys()].filter((code) => !isCustomSqlstate(code))).toEqual([]);
  });

  it("every security definer function pins search_path = ''", async () => {
    expect(await definerCount(db)).toBeGreaterThan(50);
    expect(await unpinnedDefiners(db)).toEqual([]);
  });

  it('every topic the SQL publishes is a registered realtime topic, and every registered one is published', async () => {
    const published = await publishedTopics(db);
    const registered = realtimeTopics()
      .map((t) => t.topic)
      .sort();
    expect(published.length).toBeGreaterThan(3);
    expect(published).toEqual(registered);
  });

  it('the checks fire: an undeclared code, a condition name and an unpinned search_path are listed', async () => {
    await db.driver.exec(`
      create function public.zz_registry_probe(n int) returns void language plpgsql security definer as $$
      begin
        if n = 0 then raise exception 'named' using errcode = 'check_violation'; end if;
        raise exception 'probe' using errcode = 'IPZ99';
      end $$;`);
    try {
      expect(unmapped(await raisedCodes(db))).toEqual([
        'CHECK_VIOLATION (raised by public.zz_registry_probe)',
        'IPZ99 (raised by public.zz_registry_probe)',
      ]);
      expect(await unpinnedDefiners(db)).toEqual(['public.zz_registry_probe(n integer)']);
    } finally {
      await db.driver.exec('drop function public.zz_registry_probe(int)');
    }
  });

  it('registry lists are consistent: unique domain and job names, one owner per probe expectation', () => {
    const names = domains.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(() => accountDeletionSteps()).not.toThrow();
    // Job factories only close over the core; none is run here.
    const jobs = serverJobs({ auth: null, privacyVacuum: 'plain' } as never);
    expect(jobs.length).toBeGreaterThan(5);
    expect(() => privacyExpectations()).not.toThrow();
    expect(isCustomSqlstate('IP404')).toBe(true);
    expect(isCustomSqlstate('P0001')).toBe(false);
    expect(isCustomSqlstate('0A000')).toBe(false);
  });
});

describe('account-deletion steps from the registry', () => {
  const step = (name: string, sql: string[], after?: string[]): DomainModule =>
    defineDomain({ name, accountDeletion: sql.map((q) => ({ sql: q, after })) });

  it('run in registry order unless a domain waits for another; a domain without steps holds nobody back', () => {
    const list = [
      step('profiles', ['select 5'], ['messaging', 'storage']),
      defineDomain({ name: 'match' }),
      step('economy', ['select 1', 'select 2']),
      step('storage', ['select 4'], ['messaging', 'match']),
      step('messaging', ['select 3']),
    ];
    expect(accountDeletionSteps(list)).toEqual([
      { domain: 'economy', sql: 'select 1' },
      { domain: 'economy', sql: 'select 2' },
      { domain: 'messaging', sql: 'select 3' },
      { domain: 'storage', sql: 'select 4' },
      { domain: 'profiles', sql: 'select 5' },
    ]);
  });

  it('refuse a cycle and an unknown domain', () => {
    expect(() => accountDeletionSteps([step('a', ['x'], ['b']), step('b', ['y'], ['a'])])).toThrow(
      /wait for/,
    );
    expect(() => accountDeletionSteps([step('a', ['x'], ['nope'])])).toThrow(/unknown domain nope/);
  });

  it('run each domain’s own deletion step: refusals first, sessions last', () => {
    expect(accountDeletionSteps().map((s) => s.domain)).toEqual(['economy', 'messaging', 'storage', 'auth']);
  });
});
