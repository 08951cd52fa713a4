import { loadEnv } from './env.ts';
import { startServer } from './server.ts';

const env = loadEnv();
const server = await startServer(env);

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
