import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** A second server on the same embedded database would overwrite the first one's pages: start-up refuses. */
export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  constructor(message: string) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

type Holder = { pid: number; host: string; started_at: string };

/** A holder on another machine cannot be asked whether it lives; its heartbeat (the file's mtime) goes stale. */
const HEARTBEAT_MS = 10_000;
const FOREIGN_STALE_MS = 60_000;

/** Locks held by this process: the pid check cannot tell two servers inside one process apart. */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readHolder(file: string): Holder | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder;
  } catch {
    return null; // half-written or garbage: treat as no holder
  }
}

/**
 * Exclusive use of `dir` by this process, through `dir/server.lock` (created with O_EXCL; decision 016). A lock
 * left by a process that is gone (same host and its pid is dead, or another host's heartbeat is old) is taken
 * over, so a crash never blocks a restart. Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'server.lock');
  const me: Holder = { pid: process.pid, host: hostname(), started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      heldHere.add(file);
      const beat = setInterval(() => {
        const now = new Date();
        try {
          utimesSync(file, now, now);
        } catch {
          // removed by hand: nothing to keep fresh
        }
      }, HEARTBEAT_MS);
      beat.unref();
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        clearInterval(beat);
        heldHere.delete(file);
        process.off('exit', release);
        if (readHolder(file)?.pid === me.pid && readHolder(file)?.started_at === me.started_at)
          rmSync(file, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    const age = Date.now() - statSync(file).mtimeMs;
    const stale = !holder
      ? age > 2000 // unreadable: another server may be writing it this instant
      : holder.host === me.host
        ? !heldHere.has(file) && (holder.pid === process.pid || !alive(holder.pid))
        : age > FOREIGN_STALE_MS;
    if (!stale) {
      if (!holder) throw new DataDirLockedError(`DATA_DIR ${dir} is being locked by another İpelya server`);
      throw new DataDirLockedError(
        `DATA_DIR ${dir} is in use by another İpelya server (pid ${holder!.pid} on ${holder!.host}, since ${holder!.started_at}). ` +
          "Two servers on one embedded database lose each other's writes: stop the other one, give this one its own DATA_DIR, or share a PostgreSQL DATABASE_URL.",
      );
    }
    rmSync(file, { force: true }); // left by a crashed server
  }
  throw new DataDirLockedError(`could not lock DATA_DIR ${dir}: another server keeps taking it`);
}
