// Purges expired and opened view-once messages with their media rows and bytes. pg_cron calls it every minute
// through pg_net with the x-cron-secret header (or the service-role key); see docs/runbooks/edge-functions.md.
import { jobHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('no-trace', jobHandler('no-trace', Deno.env.toObject()));
