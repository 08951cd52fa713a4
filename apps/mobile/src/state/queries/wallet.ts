import type { Wallet } from '@ipelya/contracts';
import { type InfiniteData, type QueryClient, useInfiniteQuery } from '@tanstack/react-query';
import { useClients } from '../../lib/clients-context';

export const walletKey = () => ['wallet'] as const;

export const WALLET_PAGE_SIZE = 20;

/** Balance plus the active persona's history, one cursor page at a time (each page repeats the balance). */
export function useWallet() {
  const { api } = useClients();
  return useInfiniteQuery({
    queryKey: walletKey(),
    queryFn: ({ pageParam }) => api.wallet({ cursor: pageParam, limit: WALLET_PAGE_SIZE }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/**
 * A spend answered the new balance: every cached page shows it at once. The history entry it added is not
 * in the answer, so the wallet is still marked stale: a wallet on screen reads its history again, any
 * other the next time it is shown.
 */
export function setWalletBalance(queryClient: QueryClient, balance: number) {
  queryClient.setQueryData<InfiniteData<Wallet>>(walletKey(), (wallet) =>
    wallet
      ? { ...wallet, pages: wallet.pages.map((page) => ({ ...page, balance, in_debt: balance < 0 })) }
      : wallet,
  );
  void queryClient.invalidateQueries({ queryKey: walletKey() });
}
