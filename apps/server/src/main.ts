import { MigrationHistoryError } from '@ipelya/db';
import { DataDirLockedError } from './data-dir-lock.ts';
import { ConfigError, loadEnv } from './env.ts';
import { startServer } from './server.ts';

// A refused configuration, a taken data directory or a migration history that does not match the files is the operator's to fix: one message, no stack.
let server: Awaited<ReturnType<typeof startServer>>;
try {
  server = await startServer(loadEnv());
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}
`);
    process.exit(1);
  }
  if (err instanceof DataDirLockedError || err instanceof MigrationHistoryError) {
    console.error(`İpelya API did not start: ${err.message}`);
    process.exit(1);
  }
  throw err;
}

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
