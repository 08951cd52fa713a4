// Starts a coin purchase (jeton ekleme): POST https://<ref>.supabase.co/functions/v1/coin-purchase with the
// user's access token and {package_id, provider, currency} is served as POST /api/purchases/checkout.
import { routeHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('coin-purchase', routeHandler(Deno.env.toObject(), 'coin-purchase', '/api/purchases/checkout'));
