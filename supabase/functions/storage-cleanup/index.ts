// Deletes uploads never completed within a day (row and bytes). pg_cron calls it hourly through pg_net with
// the x-cron-secret header (or the service-role key); see docs/runbooks/edge-functions.md.
import { jobHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('storage-cleanup', jobHandler('storage-cleanup', Deno.env.toObject()));
