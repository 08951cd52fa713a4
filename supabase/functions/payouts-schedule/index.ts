// Builds the weekly creator payouts (idempotent per creator and week). pg_cron calls it hourly with the
// x-cron-secret header (or the service-role key); see docs/runbooks/edge-functions.md.
import { jobHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('payouts-schedule', jobHandler('payouts-schedule', Deno.env.toObject()));
