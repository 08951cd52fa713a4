import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signIn, startTestServer, type TestServer } from '../test/harness.ts';
import { DataDirLockedError } from './data-dir-lock.ts';

describe('one server per data directory (embedded database on disk)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipelya-lock-'));
  const disk = { EMBEDDED_DB: 'disk', DATA_DIR: dir };
  const running: TestServer[] = [];
  afterAll(async () => {
    for (const s of running) await s.dispose().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('a second server on the same DATA_DIR refuses to start; after the first stops, a new one starts', async () => {
    const first = await startTestServer('pglite', disk);
    running.push(first);
    const email = `lock.${Date.now()}@example.com`;
    await signIn(first, email);

    const second = startTestServer('pglite', disk);
    await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(second).rejects.toThrow(/DATA_DIR .* is in use by another İpelya server \(pid \d+/);
    expect((await fetch(`${first.url}/api/health`)).status).toBe(200);

    await first.dispose();
    running.pop();
    expect(existsSync(join(dir, 'server.lock'))).toBe(false);
    const third = await startTestServer('pglite', disk);
    running.push(third);
    // Same database: the first server's user is still there.
    const { rows } = await third.db.driver.query('select 1 from auth.users where email = $1', [email]);
    expect(rows).toHaveLength(1);
  });

  it('another process on the same DATA_DIR exits with the message, not a stack', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'main.ts')], {
      env: {
        ...process.env,
        DATA_DIR: dir,
        EMBEDDED_DB: 'disk',
        PORT: '0',
        HOST: '127.0.0.1',
        RUN_JOBS: 'false',
        SEED_DEMO_DATA: 'false',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(stderr).toContain('İpelya API did not start: DATA_DIR');
    expect(stderr).toContain(`pid ${process.pid}`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('a lock left by a crashed server does not block a restart', async () => {
    for (const s of running) await s.dispose();
    running.length = 0;
    // A pid that certainly is gone: a process that has already exited.
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(
      join(dir, 'server.lock'),
      JSON.stringify({ pid: Number(dead), host: hostname(), started_at: new Date(0).toISOString() }),
    );
    const restarted = await startTestServer('pglite', disk);
    running.push(restarted);
    expect((await fetch(`${restarted.url}/api/health`)).status).toBe(200);
  });
});
