// Expires coin purchases still pending after purchase_pending_expiry_minutes (checkouts nobody paid). pg_cron
// calls it every 10 minutes with the x-cron-secret header (or the service-role key); see
// docs/runbooks/edge-functions.md.
import { jobHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('purchases-expire', jobHandler('purchases-expire', Deno.env.toObject()));
