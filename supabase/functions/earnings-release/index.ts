// Moves creator earnings past their hold period from pending to available. pg_cron calls it hourly with the
// x-cron-secret header (or the service-role key); see docs/runbooks/edge-functions.md.
import { jobHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('earnings-release', jobHandler('earnings-release', Deno.env.toObject()));
