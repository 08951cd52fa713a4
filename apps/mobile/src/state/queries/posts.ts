import type { Post } from '@ipelya/contracts';
import { type InfiniteData, type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { useActionKeys } from '../../lib/action-key';
import { useClients } from '../../lib/clients-context';
import { feedKey } from './feed';
import { profileKeys } from './profile';
import { setWalletBalance } from './wallet';

export const postKey = (id: string) => ['post', id] as const;

type PostPage = { items: Post[]; next_cursor: string | null };

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
    mutationFn: (key: string) => api.unlockPost(postId, key),
    onSuccess: (result) => {
      keys.done();
      setWalletBalance(queryClient, result.balance);
      // The answer carries the unlocked post (body and media URLs): no list is read again.
      setPostInCaches(queryClient, result.post);
    },
  });
  return { ...mutation, unlock: () => mutation.mutate(keys.keyFor(`unlock:${postId}`)) };
}
