import { queryKeys } from '@ipelya/api-client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useActionKeys } from '../lib/action-key';
import { useClients } from '../lib/clients-context';

export function useSubscriptions() {
  const { api } = useClients();
  return useQuery({ queryKey: queryKeys.subscriptions(), queryFn: () => api.subscriptions() });
}

/** Subscribes to a tier (trial or first month charged); a retry of the same tier reuses its key. */
export function useSubscribe() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  const keys = useActionKeys();
  const mutation = useMutation({
    mutationFn: ({ tierId, key }: { tierId: string; key: string }) => api.subscribe(tierId, key),
    onSuccess: async () => {
      keys.done();
      // Subscriber-only posts become readable.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.subscriptions() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.wallet() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.feed() }),
        queryClient.invalidateQueries({ queryKey: ['profile'] }),
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
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.subscriptions() }),
  });
}
