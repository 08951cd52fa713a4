#!/usr/bin/env node
// `npm start`: the whole product on one machine with the embedded defaults.
//   API + auth + realtime + storage + jobs  http://localhost:54321  (PGlite in .data/)
//   web (Next.js)                           http://localhost:3000
//   mobile app, web build (Expo)            http://localhost:8081
// Builds the web app and the mobile web export the first time (or when their sources changed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serveStatic } from './serve-static.mjs';

const root = resolve(import.meta.dirname, '..');
const API_PORT = Number(process.env.PORT ?? 54321);
const WEB_PORT = Number(process.env.WEB_PORT ?? 3000);
const MOBILE_PORT = Number(process.env.MOBILE_PORT ?? 8081);
const children = [];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', '.next', 'dist', '.expo', 'test-results'].includes(entry.name)) continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Rebuilds when the output is missing, older than any source of the app or the shared packages, or was built
 * by someone else (the e2e tests build against their own throwaway server): builds inline the API URL.
 */
function stale(output, stamp, expected, ...sources) {
  if (!existsSync(output) || !existsSync(stamp)) return true;
  if (readFileSync(stamp, 'utf8') !== JSON.stringify(expected)) return true;
  const built = statSync(output).mtimeMs;
  return sources.some((s) => newestMtime(s) > built);
}

function build(label, args, cwd) {
  console.log(`[start] building ${label}…`);
  const res = spawnSync('npm', args, {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (res.status !== 0) {
    console.error(`[start] ${label} build failed`);
    shutdown(1);
  }
}

function launch(label, cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`[start] ${label} exited (${code}); stopping everything`);
      shutdown(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
function shutdown(code = 0) {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500);
}
process.on('SIGINT', () => shutdown(0));
process.on('uncaughtException', (err) => {
  console.error('[start] failed:', err);
  shutdown(1);
});
process.on('SIGTERM', () => shutdown(0));

async function waitFor(url, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

launch('api', process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], { PORT: String(API_PORT) });
if (!(await waitFor(`http://localhost:${API_PORT}/api/health`, 120))) {
  console.error('[start] the API did not come up');
  shutdown(1);
}

const packages = join(root, 'packages');
const web = join(root, 'apps/web');
// The landing page is statically generated with the API's creators, so build after the API is up.
const webStamp = join(web, '.next/ipelya-start.json');
const webBuild = {
  api: process.env.NEXT_PUBLIC_API_URL ?? null,
  supabase: process.env.NEXT_PUBLIC_SUPABASE_URL ?? null,
};
if (stale(join(web, '.next/BUILD_ID'), webStamp, webBuild, join(web, 'src'), packages)) {
  build('web', ['run', 'build'], web);
  writeFileSync(webStamp, JSON.stringify(webBuild));
}
launch('web', 'npm', ['run', 'start', '-w', '@ipelya/web'], { PORT: String(WEB_PORT) });

const mobile = join(root, 'apps/mobile');
const mobileStamp = join(mobile, 'dist/ipelya-start.json');
const mobileBuild = {
  api: process.env.EXPO_PUBLIC_API_URL ?? null,
  supabase: process.env.EXPO_PUBLIC_SUPABASE_URL ?? null,
};
if (stale(join(mobile, 'dist/index.html'), mobileStamp, mobileBuild, join(mobile, 'src'), packages)) {
  build('mobile web export', ['run', 'export:web'], mobile);
  writeFileSync(mobileStamp, JSON.stringify(mobileBuild));
}
await serveStatic(join(mobile, 'dist'), MOBILE_PORT);

await waitFor(`http://localhost:${WEB_PORT}/`, 60);
console.log(`
[start] İpelya is running (embedded mode, demo data)
  API + auth     http://localhost:${API_PORT}   (docs: http://localhost:${API_PORT}/docs)
  web            http://localhost:${WEB_PORT}
  mobile (web)   http://localhost:${MOBILE_PORT}
  Sign-in codes are printed in this log. Demo accounts: luna@demo.ipelya.local, ayla@demo.ipelya.local, …
`);
