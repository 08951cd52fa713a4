import { queryKeys } from '@ipelya/api-client';
import type { Conversation, ConversationTimer } from '@ipelya/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useClients } from '../lib/clients-context';

export const TIMERS: readonly ConversationTimer[] = ['off', '30s_after_read', '5m', '1h', '24h', '7d'];

/** The active persona's conversations and, separately, message requests waiting for an answer. */
export function useConversations() {
  const { api } = useClients();
  return useQuery({ queryKey: queryKeys.conversations(), queryFn: () => api.conversations() });
}

export function useConversation(id: string) {
  const { api } = useClients();
  return useQuery({ queryKey: queryKeys.conversation(id), queryFn: () => api.conversation(id) });
}

/** Accept, decline or block a message request; the lists and the conversation are read again. */
export function useRespondToConversation() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'accept' | 'decline' | 'block' }) =>
      api.respondToConversation(id, action),
    onSuccess: (conversation) => {
      queryClient.setQueryData(queryKeys.conversation(conversation.id), conversation);
    },
    onSettled: async (_data, _err, { action }) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.conversations() }),
        action === 'block' ? queryClient.invalidateQueries({ queryKey: queryKeys.blocks() }) : null,
      ]);
    },
  });
}

export function useSetConversationTimer(id: string) {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (timer: ConversationTimer) => api.setConversationTimer(id, timer),
    onSuccess: ({ timer }) => {
      queryClient.setQueryData<Conversation>(queryKeys.conversation(id), (c) => (c ? { ...c, timer } : c));
    },
  });
}

/** Opens (or finds) the 1:1 conversation with a profile of the active persona's kind. */
export function useStartConversation() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (profileId: string) => api.startConversation(profileId),
    onSuccess: (conversation) => {
      queryClient.setQueryData(queryKeys.conversation(conversation.id), conversation);
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations() });
    },
  });
}
