import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useActionKeys } from '../../lib/action-key';
import { useClients } from '../../lib/clients-context';
import { setWalletBalance } from './wallet';

export const TIP_PRESETS = [10, 50, 100, 500] as const;
export const TIP_MIN = 1;
export const TIP_MAX = 100_000;

/** The typed amount as whole coins within the server's limits, or null. */
export function parseTipAmount(text: string): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const amount = Number(text.trim());
  return amount >= TIP_MIN && amount <= TIP_MAX ? amount : null;
}

/** Tips a creator; retrying the same tip (same creator and amount) reuses its Idempotency-Key. */
export function useTip(creatorId: string) {
  const { api } = useClients();
  const queryClient = useQueryClient();
  const keys = useActionKeys();
  const mutation = useMutation({
    mutationFn: ({ amount, key }: { amount: number; key: string }) =>
      api.tip({ creator_id: creatorId, amount, note: '' }, key),
    onSuccess: ({ balance }) => {
      keys.done();
      setWalletBalance(queryClient, balance);
    },
  });
  return {
    ...mutation,
    sendTip: (amount: number) => mutation.mutate({ amount, key: keys.keyFor(`tip:${creatorId}:${amount}`) }),
  };
}
