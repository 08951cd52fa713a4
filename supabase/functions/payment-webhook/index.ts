// Payment provider webhooks (Stripe, Iyzico, Apple, Google, RevenueCat, local):
// https://<ref>.supabase.co/functions/v1/payment-webhook/<provider> is served as /webhooks/<provider>, the same
// verification and exactly-once crediting code the Node server runs.
import { routeHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('payment-webhook', routeHandler(Deno.env.toObject(), 'payment-webhook', '/webhooks'));
