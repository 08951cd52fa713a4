import type { ApiClient } from '@ipelya/api-client';
import type { Post } from '@ipelya/contracts';
import { type InfiniteData, type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { useActionKeys } from '../../lib/action-key';
import { useClients } from '../../lib/clients-context';
import { feedKey } from './feed';
import { profileKeys } from './profile';
import { setWalletBalance } from './wallet';

export const postKey = (id: string) => ['post', id] as const;

type PostPage = { items: Post[]; next_cursor: string | null };

// `post` arrives with POST /posts/{id}/unlock once the server answers it; until then it is absent.
type UnlockPostResult = Awaited<ReturnType<ApiClient['unlockPost']>> & { post?: Post };

function replaceInPages(data: InfiniteData<PostPage> | undefined, post: Post) {
  if (!data?.pages.some((page) => page.items.some((p) => p.id === post.id))) return data;
  return {
    ...data,
    pages: data.pages.map((page) => ({
      ...page,
      items: page.items.map((p) => (p.id === post.id ? post : p)),
    })),
  };
}

/** Puts the server's copy of a post into every cached list and detail that holds it. */
export function setPostInCaches(queryClient: QueryClient, post: Post) {
  queryClient.setQueryData<InfiniteData<PostPage>>(feedKey(), (data) => replaceInPages(data, post));
  queryClient.setQueriesData<InfiniteData<PostPage>>(
    { predicate: (q) => q.queryKey[0] === profileKeys.all()[0] && q.queryKey[2] === 'posts' },
    (data) => replaceInPages(data, post),
  );
  queryClient.setQueryData<Post>(postKey(post.id), (p) => (p ? post : p));
}

/**
 * Unlocks a pay-per-view post. The Idempotency-Key belongs to the user's action: pressing again
 * after a failure retries with the same key, so a lost answer never means a second charge.
 */
export function useUnlockPost(postId: string) {
  const { api } = useClients();
  const queryClient = useQueryClient();
  const keys = useActionKeys();
  const mutation = useMutation({
    mutationFn: (key: string): Promise<UnlockPostResult> => api.unlockPost(postId, key),
    onSuccess: async (result) => {
      keys.done();
      setWalletBalance(queryClient, result.balance);
      if (result.post) {
        setPostInCaches(queryClient, result.post);
        return;
      }
      // An answer without the post: the body comes with the post lists.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: feedKey() }),
        queryClient.invalidateQueries({ queryKey: profileKeys.all() }),
        queryClient.invalidateQueries({ queryKey: postKey(postId) }),
      ]);
    },
  });
  return { ...mutation, unlock: () => mutation.mutate(keys.keyFor(`unlock:${postId}`)) };
}
