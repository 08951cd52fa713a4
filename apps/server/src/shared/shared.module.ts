import { defineDomain } from '../domain-module.ts';

/** What every domain's SQL shares: codes raised across domains, owned by none of them. */
export const sharedModule = defineDomain({
  name: 'shared',
  sqlErrors: [
    // A row that is missing or hidden from the caller: answered exactly like a missing one.
    { sqlstate: 'IP404', kind: 'not_found', code: 'not_found', message: 'not found' },
  ],
});
