import { defineDomain } from '../domain-module.ts';
import { storageApiRoutes, storageRootRoutes } from './storage.routes.ts';
import { purgeStaleUploads } from './storage.service.ts';

export const storageModule = defineDomain({
  name: 'storage',
  api: (c) => [storageApiRoutes(c.db, c.storage)],
  // Signed URL endpoints (uploads and downloads), Supabase Storage-compatible paths.
  root: (c) => [{ path: '/storage/v1', app: storageRootRoutes(c.db, c.storage) }],
  // Uploads never completed within a day: the row and any bytes go.
  jobs: (c) => [
    { name: 'storage-cleanup', intervalMs: 60 * 60_000, run: () => purgeStaleUploads(c.db, c.storage) },
  ],
  // The personas' remaining media rows; their bytes are queued for deletion after commit.
  accountDeletion: [
    { sql: 'select path from public.delete_account_storage() as path', after: ['messaging'] },
  ],
  privacy: {
    writes: { 'DELETE /api/media/{id}': 'deleting victim media' },
    excluded: {
      'POST /api/storage/uploads': 'the caller’s own uploads',
      'POST /api/storage/uploads/{id}/complete': 'the caller’s own uploads',
    },
  },
});
