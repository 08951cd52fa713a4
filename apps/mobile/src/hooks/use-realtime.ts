import { MessagingRealtimeMessageSchema, RealtimeServerMessageSchema } from '@ipelya/contracts';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useClients } from '../lib/clients-context';
import type { RealtimeChannel, RealtimeEvent } from '../lib/realtime-channel';
import { applyReadState, conversationKeys } from '../state/queries/conversations';
import { feedKey } from '../state/queries/feed';
import { applyNewMessage, dropMessages } from '../state/queries/messages';

const MAX_BACKOFF_MS = 30_000;

function parse(data: unknown): RealtimeEvent | null {
  const server = RealtimeServerMessageSchema.safeParse(data);
  if (server.success) return server.data;
  const messaging = MessagingRealtimeMessageSchema.safeParse(data);
  return messaging.success ? messaging.data : null;
}

/** Cache updates every screen relies on; screens add their own reactions through the channel. */
function updateCache(queryClient: QueryClient, event: RealtimeEvent) {
  switch (event.type) {
    case 'notification':
      // The notice does not carry the post: the feed is read again.
      if (event.notification.kind === 'new_post') void queryClient.invalidateQueries({ queryKey: feedKey() });
      return;
    case 'message':
      applyNewMessage(queryClient, event.message);
      return;
    case 'read':
      applyReadState(queryClient, event.read);
      return;
    case 'deleted':
      dropMessages(queryClient, event.conversation_id, event.message_ids);
      return;
    case 'open':
      if (!event.reconnect) return;
      // Anything may have happened while offline; open chats catch up themselves (`after` cursor).
      void queryClient.invalidateQueries({ queryKey: conversationKeys.list() });
      void queryClient.invalidateQueries({ queryKey: conversationKeys.all(), type: 'inactive' });
      return;
    default:
      return;
  }
}

/**
 * Keeps one realtime WebSocket open while signed in: notifications and conversation events update the
 * cache and are handed to screens through `channel`. Reconnects with backoff; a new token (refresh or
 * persona switch) opens a new socket.
 */
export function useRealtimeNotifications(accessToken: string | null, channel?: RealtimeChannel) {
  const { api } = useClients();
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!accessToken) return;
    let socket: WebSocket | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    let opened = false;
    let stopped = false;

    const connect = () => {
      const current = new WebSocket(api.realtimeUrl());
      socket = current;
      current.onopen = () => {
        // The token goes in the first frame, never in the URL.
        current.send(api.realtimeAuthFrame(accessToken));
        attempt = 0;
        channel?.attach(current);
        const event: RealtimeEvent = { type: 'open', reconnect: opened };
        opened = true;
        updateCache(queryClient, event);
        channel?.emit(event);
      };
      current.onmessage = (message: { data: unknown }) => {
        let data: unknown;
        try {
          data = JSON.parse(String(message.data));
        } catch {
          return;
        }
        const event = parse(data);
        if (!event) return;
        updateCache(queryClient, event);
        channel?.emit(event);
      };
      current.onclose = () => {
        channel?.attach(null);
        if (stopped) return;
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
        attempt += 1;
        retryTimer = setTimeout(connect, delay);
      };
    };

    connect();
    return () => {
      stopped = true;
      channel?.attach(null);
      if (retryTimer) clearTimeout(retryTimer);
      socket?.close();
    };
  }, [accessToken, api, queryClient, channel]);
}
