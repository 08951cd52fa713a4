import { defineDomain } from '../domain-module.ts';
import { contentRoutes } from './content.routes.ts';
import { publishDuePosts } from './posts.service.ts';

export const contentModule = defineDomain({
  name: 'content',
  api: (c) => [contentRoutes(c.db)],
  jobs: (c) => [{ name: 'publish-scheduled', intervalMs: 15_000, run: () => publishDuePosts(c.db) }],
  privacy: {
    writes: { 'PUT /api/follows/{id}': 'following a hidden persona' },
    excluded: {
      'PATCH /api/posts/{id}': 'own posts only (RLS: author = active persona); covered by rls-matrix',
      'DELETE /api/posts/{id}': 'own posts only; covered by rls-matrix',
      'POST /api/posts': 'creates the caller’s own post',
      'DELETE /api/follows/{id}': 'removes the caller’s own follow edge; answers 204 whatever the target',
    },
  },
});
