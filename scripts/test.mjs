#!/usr/bin/env node
// The one test command (`npm test`): typecheck, lint, then every workspace's tests. Prints
// "N passed, N failed, N skipped" as its last line; exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const only = process.argv.slice(2); // optional workspace names to restrict to, e.g. `npm test -- server`
const reports = mkdtempSync(join(tmpdir(), 'ipelya-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(label, cmd, args, cwd) {
  console.log(`\n▶ ${label}: ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: process.env });
  console.log(`◀ ${label} (${Math.round((Date.now() - started) / 1000)} s, exit ${res.status})`);
  return res.status ?? 1;
}

function step(label, ok) {
  if (ok) totals.passed++;
  else {
    totals.failed++;
    failures.push(label);
  }
}

const workspaces = ['packages', 'apps']
  .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(dir, name)))
  .filter((ws) => existsSync(join(root, ws, 'package.json')))
  .map((ws) => ({ dir: ws, pkg: JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8')) }))
  .filter((ws) => only.length === 0 || only.some((o) => ws.dir.endsWith(o)));

// 1. Typecheck every workspace (each has its own tsconfig).
for (const ws of workspaces) {
  if (!ws.pkg.scripts?.typecheck) continue;
  step(
    `typecheck ${ws.dir}`,
    run(`typecheck ${ws.dir}`, 'npm', ['run', 'typecheck', '--silent'], join(root, ws.dir)) === 0,
  );
}

// 2. Lint and format check over the whole tree.
if (only.length === 0) step('lint', run('lint (biome)', 'npx', ['biome', 'check', '.'], root) === 0);

// 3. Tests: vitest or jest per workspace, counted from their JSON reports.
for (const ws of workspaces) {
  if (!ws.pkg.scripts?.test) continue;
  const dir = join(root, ws.dir);
  const out = join(reports, `${ws.dir.replace(/\W/g, '_')}.json`);
  const isJest =
    existsSync(join(dir, 'jest.config.js')) ||
    existsSync(join(dir, 'jest.config.cjs')) ||
    Boolean(ws.pkg.jest);
  const status = isJest
    ? run(`test ${ws.dir}`, 'npx', ['jest', '--ci', '--json', `--outputFile=${out}`], dir)
    : run(
        `test ${ws.dir}`,
        'npx',
        ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${out}`],
        dir,
      );
  if (!existsSync(out)) {
    step(`test ${ws.dir} (runner crashed, no report)`, false);
    continue;
  }
  const r = JSON.parse(readFileSync(out, 'utf8'));
  totals.passed += r.numPassedTests ?? 0;
  totals.failed += r.numFailedTests ?? 0;
  totals.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  if ((r.numFailedTests ?? 0) > 0) failures.push(`test ${ws.dir}`);
  // A suite that fails to load counts no test; count it as a failure so it cannot hide.
  const broken = (r.testResults ?? []).filter(
    (t) => t.status === 'failed' && (t.assertionResults ?? []).every((a) => a.status !== 'failed'),
  );
  for (const b of broken) step(`test file ${b.name} failed to run`, false);
  if (status !== 0 && (r.numFailedTests ?? 0) === 0 && broken.length === 0)
    step(`test ${ws.dir} exited ${status}`, false);
}

if (failures.length) console.log(`\nFailed: ${failures.join('; ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
