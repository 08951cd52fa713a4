import type { BlockedProfile } from '@ipelya/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useClients } from '../../lib/clients-context';
import { conversationKeys } from './conversations';

export const blocksKey = () => ['blocks'] as const;

/** Personas the active persona has blocked (each persona keeps its own list). */
export function useBlocks() {
  const { api } = useClients();
  return useQuery({ queryKey: blocksKey(), queryFn: () => api.blocks() });
}

export function useUnblock() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (profileId: string) => api.unblock(profileId),
    onSuccess: (_answer, profileId) => {
      queryClient.setQueryData<{ items: BlockedProfile[] }>(blocksKey(), (list) =>
        list ? { ...list, items: list.items.filter((b) => b.profile.id !== profileId) } : list,
      );
    },
    onError: () => queryClient.invalidateQueries({ queryKey: blocksKey() }),
    // Who the other member of each conversation is (hidden while blocked) is only known to the server.
    onSettled: () => queryClient.invalidateQueries({ queryKey: conversationKeys.list() }),
  });
}
