// The whole İpelya HTTP API (auth, /api, docs) as one edge function: https://<ref>.supabase.co/functions/v1/api
// is the server root, so clients use it exactly where they would use the Node server's URL.
import { apiHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { serveFunction } from '../_shared/serve.ts';

serveFunction('api', apiHandler(Deno.env.toObject(), 'api'));
