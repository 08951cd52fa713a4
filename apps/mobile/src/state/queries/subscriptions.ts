import type { Subscription } from '@ipelya/contracts';
import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useActionKeys } from '../../lib/action-key';
import { useClients } from '../../lib/clients-context';
import { feedKey } from './feed';
import { profileKeys } from './profile';
import { setWalletBalance } from './wallet';

export const subscriptionsKey = () => ['subscriptions'] as const;

export function useSubscriptions() {
  const { api } = useClients();
  return useQuery({ queryKey: subscriptionsKey(), queryFn: () => api.subscriptions() });
}

/**
 * The server's answer replaces the caller's subscription to that creator (one per creator), in the
 * server's order (latest period end first).
 */
function putSubscription(queryClient: QueryClient, subscription: Subscription) {
  queryClient.setQueryData<{ items: Subscription[] }>(subscriptionsKey(), (list) => {
    if (!list) return list;
    const items = list.items.filter(
      (s) => s.id !== subscription.id && s.creator_id !== subscription.creator_id,
    );
    items.push(subscription);
    items.sort((a, b) => Date.parse(b.current_period_end) - Date.parse(a.current_period_end));
    return { ...list, items };
  });
}

/** Subscribes to a tier (trial or first month charged); a retry of the same tier reuses its key. */
export function useSubscribe() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  const keys = useActionKeys();
  const mutation = useMutation({
    mutationFn: ({ tierId, key }: { tierId: string; key: string }) => api.subscribe(tierId, key),
    onSuccess: async ({ subscription, balance }) => {
      keys.done();
      putSubscription(queryClient, subscription);
      setWalletBalance(queryClient, balance);
      // Subscriber-only posts become readable; the answer does not carry them.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: feedKey() }),
        queryClient.invalidateQueries({ queryKey: profileKeys.all() }),
      ]);
    },
  });
  return {
    ...mutation,
    subscribe: (tierId: string) => mutation.mutate({ tierId, key: keys.keyFor(`subscribe:${tierId}`) }),
  };
}

/** Cancels at the period end (access stays until then). */
export function useCancelSubscription() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (creatorId: string) => api.cancelSubscription(creatorId),
    onSuccess: (subscription) => putSubscription(queryClient, subscription),
    onError: () => queryClient.invalidateQueries({ queryKey: subscriptionsKey() }),
  });
}
