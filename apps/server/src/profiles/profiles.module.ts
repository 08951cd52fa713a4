import { defineDomain } from '../domain-module.ts';
import { profileRoutes } from './profiles.routes.ts';

export const profilesModule = defineDomain({
  name: 'profiles',
  api: (c) => [profileRoutes(c.db, c.auth)],
  privacy: {
    writes: { 'PATCH /api/profiles/me': 'renaming to a hidden persona’s handle (handle-taken.test.ts)' },
    excluded: {
      'POST /api/account/age': 'about the caller only',
      'POST /api/profiles/me/creator': 'about the caller only',
      'POST /api/personas/switch': 'about the caller only',
    },
  },
});
