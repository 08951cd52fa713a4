import { defineDomain } from '../domain-module.ts';
import { profileRoutes } from './profiles.routes.ts';

export const profilesModule = defineDomain({
  name: 'profiles',
  api: (c) => [profileRoutes(c.db, c.auth)],
  // An off or deleted persona's avatar (row and bytes) goes; its handle and content stay for its return.
  shadowCleanup: [{ reason: 'profiles:shadow-avatars', fn: 'public.purge_shadow_avatars' }],
  privacy: {
    writes: { 'PATCH /api/profiles/me': 'renaming to a hidden persona’s handle (handle-taken.test.ts)' },
    excluded: {
      'POST /api/account/age': 'about the caller only',
      'POST /api/profiles/me/creator': 'about the caller only',
      'POST /api/personas/switch': 'about the caller only',
    },
  },
});
