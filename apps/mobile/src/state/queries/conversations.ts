import type { Conversation, ConversationTimer, Me, Message } from '@ipelya/contracts';
import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useClients } from '../../lib/clients-context';
import { blocksKey } from './blocks';
import { meKey } from './me';

export const TIMERS: readonly ConversationTimer[] = ['off', '30s_after_read', '5m', '1h', '24h', '7d'];

/** `all()` covers every conversation's detail and messages (not the list). */
export const conversationKeys = {
  all: () => ['conversation'] as const,
  list: () => ['conversations'] as const,
  detail: (id: string) => ['conversation', id] as const,
};

export type ConversationLists = { conversations: Conversation[]; requests: Conversation[] };

const lastAt = (c: Conversation) => (c.last_message ? Date.parse(c.last_message.created_at) : -Infinity);

/** The server's order: newest last message first, conversations without one last, then by id. */
function byLastMessage(a: Conversation, b: Conversation): number {
  const diff = lastAt(b) - lastAt(a);
  if (diff !== 0) return diff;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Applies `update` to one conversation in the list cache (either tab), keeping the server's order.
 * Answers false when the list is loaded but does not hold the conversation.
 */
function updateListEntry(
  queryClient: QueryClient,
  id: string,
  update: (c: Conversation) => Conversation,
): boolean {
  let found = false;
  queryClient.setQueryData<ConversationLists>(conversationKeys.list(), (lists) => {
    if (!lists) return lists;
    const patch = (list: Conversation[]) => {
      if (!list.some((c) => c.id === id)) return list;
      found = true;
      return list.map((c) => (c.id === id ? update(c) : c)).sort(byLastMessage);
    };
    return { conversations: patch(lists.conversations), requests: patch(lists.requests) };
  });
  return found || queryClient.getQueryData(conversationKeys.list()) === undefined;
}

/** Applies `update` to the conversation's detail and its list entry. */
export function updateConversation(
  queryClient: QueryClient,
  id: string,
  update: (c: Conversation) => Conversation,
): boolean {
  queryClient.setQueryData<Conversation>(conversationKeys.detail(id), (c) => (c ? update(c) : c));
  return updateListEntry(queryClient, id, update);
}

/**
 * Files a conversation the server answered under its tab (active, or a request with a message, as the
 * server lists them), or out of the list.
 */
export function putConversation(queryClient: QueryClient, conversation: Conversation) {
  queryClient.setQueryData(conversationKeys.detail(conversation.id), conversation);
  queryClient.setQueryData<ConversationLists>(conversationKeys.list(), (lists) => {
    if (!lists) return lists;
    const listed =
      conversation.state === 'active' || (conversation.state === 'request' && !!conversation.last_message);
    const without = (list: Conversation[]) => list.filter((c) => c.id !== conversation.id);
    const into = (list: Conversation[], state: Conversation['state']) =>
      listed && conversation.state === state
        ? [...without(list), conversation].sort(byLastMessage)
        : without(list);
    return {
      conversations: into(lists.conversations, 'active'),
      requests: into(lists.requests, 'request'),
    };
  });
}

/**
 * A new message (sent here or arriving over realtime) becomes its conversation's preview and moves it up
 * the list; one from the other side counts as unread. A conversation the list does not hold yet (a new
 * request) is only known to the server, so the list is read again.
 */
export function applyMessageToConversation(queryClient: QueryClient, message: Message) {
  const myId = queryClient.getQueryData<Me>(meKey())?.active_profile.id;
  const update = (c: Conversation): Conversation => {
    if (c.last_message?.id === message.id) return { ...c, last_message: message };
    // An older message arriving late changes neither the preview nor what was already counted.
    if (c.last_message && Date.parse(c.last_message.created_at) > Date.parse(message.created_at)) return c;
    const incoming = myId ? message.sender_id !== myId : message.sender_id === c.other?.id;
    return { ...c, last_message: message, unread_count: c.unread_count + (incoming ? 1 : 0) };
  };
  if (!updateConversation(queryClient, message.conversation_id, update))
    void queryClient.invalidateQueries({ queryKey: conversationKeys.list() });
}

/** A read receipt: the other member's moves "seen"; the caller's own (another device) clears unread. */
export function applyReadState(
  queryClient: QueryClient,
  read: { conversation_id: string; profile_id: string; last_read_at: string | null },
) {
  updateConversation(queryClient, read.conversation_id, (c) =>
    c.other?.id === read.profile_id
      ? { ...c, other_last_read_at: read.last_read_at }
      : { ...c, last_read_at: read.last_read_at, unread_count: 0 },
  );
}

/** The active persona's conversations and, separately, message requests waiting for an answer. */
export function useConversations() {
  const { api } = useClients();
  return useQuery({ queryKey: conversationKeys.list(), queryFn: () => api.conversations() });
}

export function useConversation(id: string) {
  const { api } = useClients();
  return useQuery({ queryKey: conversationKeys.detail(id), queryFn: () => api.conversation(id) });
}

/** Accept, decline or block a message request; the answer files the conversation where it now belongs. */
export function useRespondToConversation() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'accept' | 'decline' | 'block' }) =>
      api.respondToConversation(id, action),
    onSuccess: async (conversation, { action }) => {
      putConversation(queryClient, conversation);
      // The new entry of the block list is not in the answer.
      if (action === 'block') await queryClient.invalidateQueries({ queryKey: blocksKey() });
    },
    onError: () => queryClient.invalidateQueries({ queryKey: conversationKeys.list() }),
  });
}

export function useSetConversationTimer(id: string) {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (timer: ConversationTimer) => api.setConversationTimer(id, timer),
    onSuccess: ({ timer }) => {
      updateConversation(queryClient, id, (c) => ({ ...c, timer }));
    },
  });
}

/** Opens (or finds) the 1:1 conversation with a profile of the active persona's kind. */
export function useStartConversation() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (profileId: string) => api.startConversation(profileId),
    onSuccess: (conversation) => putConversation(queryClient, conversation),
  });
}
