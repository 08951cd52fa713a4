import { queryKeys } from '@ipelya/api-client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useClients } from '../lib/clients-context';

/** Personas the active persona has blocked (each persona keeps its own list). */
export function useBlocks() {
  const { api } = useClients();
  return useQuery({ queryKey: queryKeys.blocks(), queryFn: () => api.blocks() });
}

export function useUnblock() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (profileId: string) => api.unblock(profileId),
    onSettled: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.blocks() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.conversations() }),
      ]);
    },
  });
}
