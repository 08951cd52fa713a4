import { queryKeys } from '@ipelya/api-client';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useClients } from '../lib/clients-context';

export const WALLET_PAGE_SIZE = 20;

/** Balance plus the active persona's history, one cursor page at a time (each page repeats the balance). */
export function useWallet() {
  const { api } = useClients();
  return useInfiniteQuery({
    queryKey: queryKeys.wallet(),
    queryFn: ({ pageParam }) => api.wallet({ cursor: pageParam, limit: WALLET_PAGE_SIZE }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}
