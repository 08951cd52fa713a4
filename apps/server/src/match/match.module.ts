import { defineDomain } from '../domain-module.ts';
import { matchRoutes } from './match.routes.ts';

export const matchModule = defineDomain({
  name: 'match',
  api: (c) => [matchRoutes(c.db)],
  // An off or deleted persona leaves discovery: its vectors go (they come back from its content when it returns).
  shadowCleanup: [{ reason: 'match:shadow-vectors', fn: 'public.purge_shadow_vectors' }],
});
