import 'server-only';
import { ApiClientError, createApiClient } from '@ipelya/api-client';
import type { Post, PublicProfile } from '@ipelya/contracts';
import { cache } from 'react';
import { env } from '../env.ts';
import { CREATOR_POSTS_PAGE_SIZE } from './page-sizes.ts';

/** Anonymous API client for server components: public data only, never a user's token. */
function serverApi(init: RequestInit & { next?: { revalidate?: number } }) {
  return createApiClient({
    baseUrl: env.NEXT_PUBLIC_API_URL,
    getAccessToken: () => null,
    fetch: (input, reqInit) => fetch(input, { ...reqInit, ...init }),
  });
}

export type CreatorPage = { profile: PublicProfile; posts: Post[] };

/** Profile + first page of posts, or null for an unknown handle; other failures throw (error page). */
export const loadCreator = cache(async (handle: string): Promise<CreatorPage | null> => {
  const api = serverApi({ cache: 'no-store' });
  try {
    const [profile, posts] = await Promise.all([
      api.profile(handle),
      api.profilePosts(handle, { limit: CREATOR_POSTS_PAGE_SIZE }),
    ]);
    return { profile, posts: posts.items };
  } catch (err) {
    if (err instanceof ApiClientError && err.status === 404) return null;
    throw err;
  }
});

/**
 * Creators shown on the landing page. The landing page is static (ISR), so an unreachable API
 * (e.g. a build without a running server) must yield an empty list, not a failed build.
 */
export async function loadFeaturedCreators(revalidateSeconds: number): Promise<PublicProfile[]> {
  try {
    const api = serverApi({ next: { revalidate: revalidateSeconds }, signal: AbortSignal.timeout(3000) });
    return (await api.creators({ limit: 6 })).items;
  } catch {
    return [];
  }
}
