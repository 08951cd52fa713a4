import type {
  MessagingRealtimeMessage,
  RealtimeClientMessage,
  RealtimeServerMessage,
} from '@ipelya/contracts';
import { createContext, useContext, useEffect, useRef } from 'react';

/** What the realtime socket delivers to screens; `open` fires on every (re)connect so screens can catch up. */
export type RealtimeEvent =
  | { type: 'open'; reconnect: boolean }
  | RealtimeServerMessage
  | MessagingRealtimeMessage;

type Sender = { send(data: string): void };

export type RealtimeChannel = {
  subscribe(listener: (event: RealtimeEvent) => void): () => void;
  emit(event: RealtimeEvent): void;
  /** Sends over the open socket; false while disconnected (typing is best effort). */
  send(message: RealtimeClientMessage): boolean;
  attach(socket: Sender | null): void;
};

export function createRealtimeChannel(): RealtimeChannel {
  const listeners = new Set<(event: RealtimeEvent) => void>();
  let socket: Sender | null = null;
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    emit(event) {
      for (const listener of [...listeners]) listener(event);
    },
    send(message) {
      if (!socket) return false;
      try {
        socket.send(JSON.stringify(message));
        return true;
      } catch {
        return false;
      }
    },
    attach(next) {
      socket = next;
    },
  };
}

export const RealtimeContext = createContext<RealtimeChannel | null>(null);

export function useRealtimeChannel(): RealtimeChannel | null {
  return useContext(RealtimeContext);
}

/** Calls the latest `listener` for every realtime event while mounted. */
export function useRealtimeEvents(listener: (event: RealtimeEvent) => void): void {
  const channel = useRealtimeChannel();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => channel?.subscribe((event) => latest.current(event)), [channel]);
}
