import { useInfiniteQuery } from '@tanstack/react-query';
import { useClients } from '../../lib/clients-context';

export const feedKey = () => ['feed'] as const;

export const FEED_PAGE_SIZE = 20;

/** Posts from followed creators, newest first, one cursor page at a time. */
export function useFeed() {
  const { api } = useClients();
  return useInfiniteQuery({
    queryKey: feedKey(),
    queryFn: ({ pageParam }) => api.feed({ cursor: pageParam, limit: FEED_PAGE_SIZE }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}
