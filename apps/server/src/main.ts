import { ConfigError, loadEnv } from './env.ts';
import { startServer } from './server.ts';

// A refused configuration is the operator's to fix: print the one message naming every variable, no stack.
let server: Awaited<ReturnType<typeof startServer>>;
try {
  server = await startServer(loadEnv());
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
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
