import { queryKeys } from '@ipelya/api-client';
import { RealtimeServerMessageSchema } from '@ipelya/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useClients } from '../lib/clients-context';

const MAX_BACKOFF_MS = 30_000;

/**
 * Keeps one realtime WebSocket open while signed in and turns notifications into cache
 * invalidations. Reconnects with backoff; a new token (refresh or persona switch) opens a new socket.
 */
export function useRealtimeNotifications(accessToken: string | null) {
  const { api } = useClients();
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!accessToken) return;
    let socket: WebSocket | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    let stopped = false;

    const connect = () => {
      socket = new WebSocket(api.realtimeUrl(accessToken));
      socket.onopen = () => {
        attempt = 0;
      };
      socket.onmessage = (event: { data: unknown }) => {
        let data: unknown;
        try {
          data = JSON.parse(String(event.data));
        } catch {
          return;
        }
        const parsed = RealtimeServerMessageSchema.safeParse(data);
        if (!parsed.success || parsed.data.type !== 'notification') return;
        const { notification } = parsed.data;
        void queryClient.invalidateQueries({ queryKey: queryKeys.notifications() });
        if (notification.kind === 'new_post')
          void queryClient.invalidateQueries({ queryKey: queryKeys.feed() });
      };
      socket.onclose = () => {
        if (stopped) return;
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
        attempt += 1;
        retryTimer = setTimeout(connect, delay);
      };
    };

    connect();
    return () => {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      socket?.close();
    };
  }, [accessToken, api, queryClient]);
}
