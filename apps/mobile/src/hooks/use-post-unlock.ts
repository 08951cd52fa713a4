import { queryKeys } from '@ipelya/api-client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useActionKeys } from '../lib/action-key';
import { useClients } from '../lib/clients-context';

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
    onSuccess: async () => {
      keys.done();
      // The body comes with the post lists; the balance changed.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.wallet() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.feed() }),
        queryClient.invalidateQueries({ queryKey: ['profile'] }),
        queryClient.invalidateQueries({ queryKey: queryKeys.post(postId) }),
      ]);
    },
  });
  return { ...mutation, unlock: () => mutation.mutate(keys.keyFor(`unlock:${postId}`)) };
}
