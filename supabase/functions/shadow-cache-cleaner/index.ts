// Purges cached data of switched-off and deleted personas (discovery vectors, avatars with their bytes,
// notifications they caused) and expired network fingerprints. pg_cron calls it every 10 minutes through
// pg_net with the x-cron-secret header (or the service-role key); see docs/runbooks/edge-functions.md.
import { jobHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('shadow-cache-cleaner', jobHandler('shadow-cache-cleaner', Deno.env.toObject()));
