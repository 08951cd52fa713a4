// Sends approved payouts to Stripe Connect / Iyzico and retries failed ones with backoff. pg_cron calls it
// every few minutes with the x-cron-secret header (or the service-role key).
import { jobHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('payouts-process', jobHandler('payouts-process', Deno.env.toObject()));
