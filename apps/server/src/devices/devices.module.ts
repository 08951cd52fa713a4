import { defineDomain } from '../domain-module.ts';
import { deviceRoutes } from './devices.routes.ts';

export const devicesModule = defineDomain({
  name: 'devices',
  api: (c) => [deviceRoutes(c.db, c.attestation, c.sessions)],
  privacy: {
    excluded: {
      'POST /api/devices': 'the caller’s own devices',
      'DELETE /api/devices/{id}': 'the caller’s own devices; covered by rls-matrix',
      'DELETE /api/sessions/{id}': 'the caller’s own sessions (another account’s: shadow-unlinkability)',
    },
  },
});
