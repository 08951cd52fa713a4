import { defineDomain } from '../domain-module.ts';
import { firewallRoutes } from './firewall.routes.ts';

export const firewallModule = defineDomain({
  name: 'firewall',
  api: (c) => [firewallRoutes(c.db, c.firewall)],
  // Network fingerprints are kept only for their window (social-firewall.ts); the cleaner sweeps expired ones.
  shadowCleanup: [{ reason: 'firewall:expired-sightings', fn: 'public.purge_expired_network_sightings' }],
  sqlErrors: [
    // A limit a function enforces (contacts per upload …); the hint names the field.
    {
      sqlstate: 'IP422',
      kind: 'validation',
      code: 'limit_exceeded',
      message: 'limit exceeded',
      hintNamesField: true,
    },
  ],
  privacy: {
    excluded: {
      'PUT /api/contacts': 'the caller’s own address book (contacts-no-oracle.test.ts)',
      'DELETE /api/contacts': 'the caller’s own address book (contacts-no-oracle.test.ts)',
    },
  },
});
