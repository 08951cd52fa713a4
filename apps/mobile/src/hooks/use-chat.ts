import type { Conversation, Message } from '@ipelya/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { visibleMessages } from '../lib/message-window';
import { useRealtimeEvents } from '../lib/realtime-channel';
import { useConversation } from '../state/queries/conversations';
import { useMe } from '../state/queries/me';
import { messagesKey, useMarkRead, useMessages } from '../state/queries/messages';
import { useAppActive, useNow } from './use-now';

// The server sends typing at most every 2 s; the indicator outlives one gap.
const TYPING_SHOW_MS = 5000;

/** Until when the other member counts as typing (0: not typing); clears itself when that time passes. */
function useTypingUntil() {
  const [typingUntil, setTypingUntil] = useState(0);
  useEffect(() => {
    if (typingUntil === 0) return;
    const timer = setTimeout(() => setTypingUntil(0), Math.max(0, typingUntil - Date.now()));
    return () => clearTimeout(timer);
  }, [typingUntil]);
  const typed = useCallback(() => setTypingUntil(Date.now() + TYPING_SHOW_MS), []);
  const stopped = useCallback(() => setTypingUntil(0), []);
  return { typingUntil, typed, stopped };
}

/**
 * Read receipts only while the chat is on screen (app in front), never for a request not yet accepted,
 * once per newest incoming message, and not for what the server already counts as read.
 */
function useReadReceipts(
  conversationId: string,
  conversation: Conversation | undefined,
  newestIncoming: Message | undefined,
  myId: string | undefined,
  appActive: boolean,
) {
  const marked = useRef<string | null>(null);
  const { mutate: mark } = useMarkRead(conversationId);
  useEffect(() => {
    const c = conversation;
    if (!newestIncoming || !myId || !c || c.state !== 'active' || !appActive) return;
    if (marked.current === newestIncoming.id) return;
    marked.current = newestIncoming.id;
    if (c.last_read_at && Date.parse(c.last_read_at) >= Date.parse(newestIncoming.created_at)) return;
    mark();
  }, [newestIncoming, myId, conversation, appActive, mark]);
}

/**
 * Everything a chat screen shows about one conversation: the conversation, its message window (newest
 * first, expired ones dropped on time), who is typing, a screenshot someone took of it, and which of the
 * caller's messages the other side has seen. It also keeps the chat current: catches up after a
 * reconnect, reloads when the app comes back to the front, reads the window again when the after-read
 * timer starts, and sends read receipts.
 */
export function useChat(conversationId: string) {
  const queryClient = useQueryClient();
  const conversation = useConversation(conversationId);
  const messages = useMessages(conversationId);
  const me = useMe();
  const myId = me.data?.active_profile.id;
  const appActive = useAppActive();
  const { typingUntil, typed, stopped } = useTypingUntil();
  // The handle of who took a screenshot of this chat ('' when their account is hidden from us).
  const [screenshotBy, setScreenshotBy] = useState<string | null>(null);

  const c = conversation.data;
  const other = c?.other ?? null;
  const items = messages.data?.items ?? [];
  const expiring = items.some((m) => m.expires_at);
  const now = useNow(expiring || typingUntil > 0);
  const visible = visibleMessages(messages.data, now);

  const { catchUpMissed, refetch } = messages;
  useRealtimeEvents((event) => {
    if (event.type === 'open') {
      void catchUpMissed();
    } else if (event.type === 'typing') {
      if (event.conversation_id === conversationId && event.profile_id !== myId) typed();
    } else if (event.type === 'message') {
      if (event.message.conversation_id === conversationId && event.message.sender_id !== myId) stopped();
    } else if (event.type === 'read') {
      // The other side read: with the after-read timer, our messages now have a countdown.
      if (
        event.read.conversation_id === conversationId &&
        event.read.profile_id === other?.id &&
        c?.timer === '30s_after_read'
      )
        void queryClient.invalidateQueries({ queryKey: messagesKey(conversationId), exact: true });
    } else if (event.type === 'notification') {
      const n = event.notification;
      // Only a screenshot of this chat: the notice names the conversation it was taken in (a profile
      // or post screenshot by the same person carries none).
      if (n.kind === 'screenshot' && n.conversation_id === conversationId)
        setScreenshotBy(n.actor?.handle ?? other?.handle ?? '');
    }
  });

  // Back in the foreground: reload, so whatever the server deleted meanwhile disappears.
  const wasActive = useRef(appActive);
  useEffect(() => {
    if (appActive && !wasActive.current) void refetch();
    wasActive.current = appActive;
  }, [appActive, refetch]);

  const newestFirst = [...visible].reverse();
  useReadReceipts(
    conversationId,
    c,
    newestFirst.find((m) => m.sender_id !== myId),
    myId,
    appActive,
  );

  const mineLast = newestFirst.find((m) => m.sender_id === myId);
  const seenId =
    mineLast && c?.other_last_read_at && Date.parse(c.other_last_read_at) >= Date.parse(mineLast.created_at)
      ? mineLast.id
      : null;
  const dismissScreenshot = useCallback(() => setScreenshotBy(null), []);

  return {
    conversation,
    messages,
    myId,
    isCreator: me.data?.active_profile.is_creator === true,
    now,
    /** The visible messages, newest first (the list is inverted). */
    newestFirst,
    seenId,
    typing: typingUntil > now && other !== null,
    screenshotBy,
    dismissScreenshot,
  };
}
