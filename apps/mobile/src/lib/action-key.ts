import { randomUUID } from 'expo-crypto';
import { useMemo, useRef } from 'react';

export type ActionKeys = {
  /** The Idempotency-Key for this action: the same one while the action is retried unchanged. */
  keyFor: (fingerprint: string) => string;
  /** The action finished; the next press is a new action with a new key. */
  done: () => void;
};

/**
 * One Idempotency-Key per user action. A retry of the same action (same fingerprint: same post,
 * same creator and amount…) reuses the key so the server never charges twice; a changed request
 * gets a fresh key, because the server refuses a key reused for a different request.
 */
export function useActionKeys(): ActionKeys {
  const current = useRef<{ fingerprint: string; key: string } | null>(null);
  return useMemo(
    () => ({
      keyFor: (fingerprint) => {
        if (current.current?.fingerprint !== fingerprint)
          current.current = { fingerprint, key: randomUUID() };
        return current.current.key;
      },
      done: () => {
        current.current = null;
      },
    }),
    [],
  );
}
