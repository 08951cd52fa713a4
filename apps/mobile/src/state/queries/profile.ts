import type { PublicProfile } from '@ipelya/contracts';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useClients } from '../../lib/clients-context';
import { feedKey } from './feed';

/** `all()` covers every profile and its posts (what a subscription or unlock may change). */
export const profileKeys = {
  all: () => ['profile'] as const,
  profile: (handle: string) => ['profile', handle] as const,
  posts: (handle: string) => ['profile', handle, 'posts'] as const,
};

export function useProfile(handle: string) {
  const { api } = useClients();
  return useQuery({ queryKey: profileKeys.profile(handle), queryFn: () => api.profile(handle) });
}

export function useProfilePosts(handle: string) {
  const { api } = useClients();
  return useInfiniteQuery({
    queryKey: profileKeys.posts(handle),
    queryFn: ({ pageParam }) => api.profilePosts(handle, { cursor: pageParam, limit: 20 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** Follow or unfollow, showing the new state at once and rolling back if the server refuses. */
export function useFollowMutation(handle: string) {
  const { api } = useClients();
  const queryClient = useQueryClient();
  const key = profileKeys.profile(handle);
  return useMutation({
    mutationFn: ({
      profileId,
      follow,
    }: {
      profileId: string;
      follow: boolean;
    }): Promise<{ following: boolean }> => (follow ? api.follow(profileId) : api.unfollow(profileId)),
    onMutate: async ({ follow }) => {
      await queryClient.cancelQueries({ queryKey: key, exact: true });
      const previous = queryClient.getQueryData<PublicProfile>(key);
      if (previous && previous.is_following !== follow) {
        queryClient.setQueryData<PublicProfile>(key, {
          ...previous,
          is_following: follow,
          followers_count:
            previous.followers_count === null
              ? null
              : Math.max(0, previous.followers_count + (follow ? 1 : -1)),
        });
      }
      return { previous };
    },
    onError: (_err, _vars, context) => {
      if (context?.previous) queryClient.setQueryData(key, context.previous);
    },
    onSettled: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: key, exact: true }),
        queryClient.invalidateQueries({ queryKey: feedKey() }),
      ]);
    },
  });
}
