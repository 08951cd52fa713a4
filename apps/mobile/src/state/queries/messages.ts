import { type ApiClient, ApiClientError } from '@ipelya/api-client';
import { type Conversation, type Message, ReadStateSchema, type SendMessageInput } from '@ipelya/contracts';
import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { useActionKeys } from '../../lib/action-key';
import { useClients } from '../../lib/clients-context';
import {
  type MessageWindow,
  mergeLatest,
  mergeOlder,
  newestCursor,
  removeMessages,
  upsertMessages,
} from '../../lib/message-window';
import {
  applyMessageToConversation,
  type ConversationLists,
  conversationKeys,
  updateConversation,
} from './conversations';
import { setWalletBalance } from './wallet';

export const messagesKey = (conversationId: string) =>
  [...conversationKeys.detail(conversationId), 'messages'] as const;

export const MESSAGES_PAGE_SIZE = 30;
const CATCH_UP_PAGE_SIZE = 100;
// A longer gap than this is cheaper to reload from the newest page than to walk forward.
const CATCH_UP_MAX_PAGES = 5;

function updateWindow(
  queryClient: QueryClient,
  conversationId: string,
  update: (window: MessageWindow) => MessageWindow,
) {
  queryClient.setQueryData<MessageWindow>(messagesKey(conversationId), (w) => (w ? update(w) : w));
}

/**
 * A new message (realtime, or the server's answer to a send) goes into its conversation's window if that
 * window is loaded, and becomes the conversation's preview in the list.
 */
export function applyNewMessage(queryClient: QueryClient, message: Message) {
  updateWindow(queryClient, message.conversation_id, (w) => upsertMessages(w, [message]));
  applyMessageToConversation(queryClient, message);
}

/**
 * Messages the server deleted (expired, opened view-once, deleted): out of the window, and the
 * conversation's preview and unread count are read again.
 */
export function dropMessages(queryClient: QueryClient, conversationId: string, ids: readonly string[]) {
  updateWindow(queryClient, conversationId, (w) => removeMessages(w, ids));
  const gone = new Set(ids);
  queryClient.setQueryData<Conversation>(conversationKeys.detail(conversationId), (c) =>
    c?.last_message && gone.has(c.last_message.id) ? { ...c, last_message: null } : c,
  );
  // The list's preview must not keep showing a deleted message until the list is read again.
  queryClient.setQueryData<ConversationLists>(conversationKeys.list(), (lists) => {
    if (!lists) return lists;
    const clear = (c: Conversation) =>
      c.id === conversationId && c.last_message && gone.has(c.last_message.id)
        ? { ...c, last_message: null }
        : c;
    return { conversations: lists.conversations.map(clear), requests: lists.requests.map(clear) };
  });
  void queryClient.invalidateQueries({ queryKey: conversationKeys.detail(conversationId), exact: true });
  void queryClient.invalidateQueries({ queryKey: conversationKeys.list() });
}

async function catchUp(api: ApiClient, conversationId: string, after: string): Promise<Message[] | null> {
  const out: Message[] = [];
  let cursor: string | null = after;
  for (let page = 0; cursor && page < CATCH_UP_MAX_PAGES; page += 1) {
    const answer = await api.messages(conversationId, { after: cursor, limit: CATCH_UP_PAGE_SIZE });
    out.push(...answer.items);
    if (!answer.next_cursor) return out;
    cursor = answer.next_cursor;
  }
  return null;
}

/**
 * One conversation's messages as a window: the newest page first, older pages on demand (`before`),
 * and after a reconnect only what was missed (`after`). Realtime messages are merged in by the bridge.
 */
export function useMessages(conversationId: string) {
  const { api } = useClients();
  const queryClient = useQueryClient();
  const key = messagesKey(conversationId);
  const query = useQuery({
    queryKey: key,
    queryFn: async () => {
      const page = await api.messages(conversationId, { limit: MESSAGES_PAGE_SIZE });
      // Merged into the window as it is now: realtime messages and deletions that arrived while the
      // page was loading are kept.
      return mergeLatest(queryClient.getQueryData<MessageWindow>(key), page);
    },
  });
  const [loadingOlder, setLoadingOlder] = useState(false);
  const busy = useRef(false);

  const loadOlder = useCallback(async () => {
    const before = queryClient.getQueryData<MessageWindow>(key)?.older;
    if (!before || busy.current) return;
    busy.current = true;
    setLoadingOlder(true);
    try {
      const page = await api.messages(conversationId, { before, limit: MESSAGES_PAGE_SIZE });
      updateWindow(queryClient, conversationId, (w) => mergeOlder(w, page));
    } catch {
      // The user scrolls again to retry.
    } finally {
      busy.current = false;
      setLoadingOlder(false);
    }
  }, [api, conversationId, key, queryClient]);

  const catchUpMissed = useCallback(async () => {
    const after = newestCursor(queryClient.getQueryData<MessageWindow>(key));
    if (!after) return;
    try {
      const missed = await catchUp(api, conversationId, after);
      if (missed) updateWindow(queryClient, conversationId, (w) => upsertMessages(w, missed));
      else await queryClient.refetchQueries({ queryKey: key, exact: true });
    } catch {
      await queryClient.invalidateQueries({ queryKey: key, exact: true });
    }
  }, [api, conversationId, key, queryClient]);

  return { ...query, loadOlder, loadingOlder, catchUpMissed };
}

/** Sends a message; a creator's paid one carries `price_coins` (see lib/paid-message composeMessage). */
export function useSendMessage(conversationId: string) {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: SendMessageInput) => api.sendMessage(conversationId, input),
    onSuccess: (message) => applyNewMessage(queryClient, message),
  });
}

/**
 * Marks the conversation read, in the detail and the list. With the 30 s after-read timer the server
 * starts the countdowns now, and the answer does not carry them: the window is read again to show them.
 */
export function useMarkRead(conversationId: string) {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.markRead(conversationId),
    onSuccess: async (answer) => {
      // The server's clock, not this device's, decides what counts as read.
      const read = ReadStateSchema.safeParse(answer);
      updateConversation(queryClient, conversationId, (c) => ({
        ...c,
        unread_count: 0,
        last_read_at: read.success ? read.data.last_read_at : c.last_read_at,
      }));
      const conversation = queryClient.getQueryData<Conversation>(conversationKeys.detail(conversationId));
      if (conversation?.timer === '30s_after_read')
        await queryClient.invalidateQueries({ queryKey: messagesKey(conversationId), exact: true });
    },
  });
}

export type ViewOnceOpen = { messageId: string; url: string; kind: Message['kind'] };

/**
 * Opens a view-once message: the server hands out one short-lived URL and answers 410 from then on. The
 * message is remembered as opened either way so the app never offers a second open.
 */
export function useOpenViewOnce(conversationId: string) {
  const { api } = useClients();
  const queryClient = useQueryClient();
  const mark = (id: string, state: 'opened' | 'already') =>
    updateWindow(queryClient, conversationId, (w) => ({ ...w, opened: { ...w.opened, [id]: state } }));
  const mutation = useMutation({
    mutationFn: async (message: Message): Promise<ViewOnceOpen | null> => {
      try {
        const { url } = await api.openViewOnce(message.id);
        mark(message.id, 'opened');
        return { messageId: message.id, url, kind: message.kind };
      } catch (err) {
        if (err instanceof ApiClientError && err.status === 410) {
          mark(message.id, 'already');
          return null;
        }
        throw err;
      }
    },
  });
  return mutation;
}

/**
 * Reads one message again after it changed on the server (a paid message unlocked). A message with a
 * newer one loaded after it is fetched on its own (`before` its successor, one item), wherever it is in
 * the window; the newest one comes with the newest page.
 */
async function refreshMessage(api: ApiClient, queryClient: QueryClient, message: Message) {
  const key = messagesKey(message.conversation_id);
  const items = queryClient.getQueryData<MessageWindow>(key)?.items ?? [];
  const index = items.findIndex((m) => m.id === message.id);
  const next = index >= 0 ? items[index + 1] : undefined;
  if (next) {
    try {
      const page = await api.messages(message.conversation_id, { before: next.cursor, limit: 1 });
      const fresh = page.items.filter((m) => m.id === message.id);
      if (fresh.length > 0) {
        updateWindow(queryClient, message.conversation_id, (w) => upsertMessages(w, fresh));
        return;
      }
    } catch {
      // Fall back to reading the newest page below.
    }
  }
  await queryClient.refetchQueries({ queryKey: key, exact: true });
}

/**
 * Unlocks a paid message. The Idempotency-Key belongs to the user's action: pressing again after a
 * failure retries with the same key, so a lost answer never charges twice. Once paid, the message is
 * read again so its body and media appear, in the chat and in the conversation's preview; the answer's
 * balance goes to the wallet.
 */
export function useUnlockMessage(message: Message) {
  const { api } = useClients();
  const queryClient = useQueryClient();
  const keys = useActionKeys();
  const mutation = useMutation({
    mutationFn: (key: string) => api.unlockMessage(message.id, key),
    onSuccess: async ({ balance }) => {
      keys.done();
      setWalletBalance(queryClient, balance);
      await refreshMessage(api, queryClient, message);
      const fresh = queryClient
        .getQueryData<MessageWindow>(messagesKey(message.conversation_id))
        ?.items.find((m) => m.id === message.id);
      if (fresh)
        updateConversation(queryClient, message.conversation_id, (c) =>
          c.last_message?.id === fresh.id ? { ...c, last_message: fresh } : c,
        );
    },
  });
  return { ...mutation, unlock: () => mutation.mutate(keys.keyFor(`unlock-message:${message.id}`)) };
}

/** Signed URLs expire; an answer is reused until shortly before its expiry. */
const URL_MARGIN_MS = 60_000;

/**
 * A short-lived URL for an ordinary (not view-once) media message the caller may see. `enabled: false`
 * waits (audio and video are fetched only when the user presses play).
 */
export function useMediaUrl(mediaId: string, enabled = true) {
  const { api } = useClients();
  return useQuery({
    queryKey: ['media', mediaId, 'url'],
    enabled,
    queryFn: () => api.mediaUrl(mediaId),
    staleTime: (query) => {
      const expires = query.state.data ? Date.parse(query.state.data.expires_at) : Number.NaN;
      return Number.isFinite(expires) ? Math.max(0, expires - Date.now() - URL_MARGIN_MS) : 0;
    },
  });
}
