// Renews creator subscriptions whose period ended (charges, grace, expiry). pg_cron calls it every few minutes
// with the x-cron-secret header (or the service-role key); see docs/runbooks/edge-functions.md.
import { jobHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('subscription-renewals', jobHandler('subscription-renewals', Deno.env.toObject()));
