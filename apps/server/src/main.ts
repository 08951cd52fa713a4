import { DataDirLockedError } from './data-dir-lock.ts';
import { loadEnv } from './env.ts';
import { startServer } from './server.ts';

const env = loadEnv();
const server = await startServer(env).catch((err) => {
  // An operator mistake, not a bug: one line saying what to do, no stack.
  if (err instanceof DataDirLockedError) {
    console.error(`İpelya API did not start: ${err.message}`);
    process.exit(1);
  }
  throw err;
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'shutting down');
    void server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
