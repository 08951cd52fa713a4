import { ApiClientError } from '@ipelya/api-client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useEffect, useMemo } from 'react';
import { useRealtimeNotifications } from '../hooks/use-realtime';
import { createRealtimeChannel, type RealtimeChannel, RealtimeContext } from '../lib/realtime-channel';
import { useSessionStore } from '../state/session-store';

function isClientError(error: unknown): boolean {
  return error instanceof ApiClientError && error.status >= 400 && error.status < 500;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // A client error (404, 403…) will not change on retry; network and server errors get one more try.
      queries: { retry: (failures, error) => !isClientError(error) && failures < 1, staleTime: 30_000 },
    },
  });
}

function RealtimeBridge({ channel }: { channel: RealtimeChannel }) {
  useRealtimeNotifications(
    useSessionStore((s) => s.accessToken),
    channel,
  );
  return null;
}

/**
 * One query cache per (account, persona). Switching persona or account swaps in an empty cache, so
 * no screen can ever render one persona's data under the other's badge, not even for a frame.
 */
export function PersonaQueryScope({ children }: { children: ReactNode }) {
  const scope = useSessionStore((s) => `${s.userId ?? 'signed-out'}:${s.persona}`);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new scope must get a new cache
  const client = useMemo(() => createQueryClient(), [scope]);
  // Realtime events belong to the same scope: a screen never hears the other persona's socket.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new scope must get a new channel
  const channel = useMemo(() => createRealtimeChannel(), [client]);
  useEffect(() => () => client.clear(), [client]);
  return (
    <QueryClientProvider client={client}>
      <RealtimeContext.Provider value={channel}>
        <RealtimeBridge channel={channel} />
        {children}
      </RealtimeContext.Provider>
    </QueryClientProvider>
  );
}
