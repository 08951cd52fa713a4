import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useClients } from '../../lib/clients-context';

export const sessionsKey = () => ['sessions'] as const;

/** Every signed-in session of this account, both personas included; the server marks the current one. */
export function useSessions() {
  const { api } = useClients();
  return useQuery({ queryKey: sessionsKey(), queryFn: () => api.sessions() });
}

/** Signs another session out; the list is fetched again whether or not the server agreed. */
export function useRevokeSession() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.revokeSession(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionsKey() }),
  });
}
