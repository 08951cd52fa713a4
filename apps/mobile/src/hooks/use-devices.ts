import { useEffect } from 'react';
import { useClients } from '../lib/clients-context';
import { sessionIdFromToken, useSessionStore } from '../state/session-store';

// Sessions already registered during this app run. In memory on purpose: every start registers
// again, which is both the "once per session" rule and the retry after a failed attempt.
const registeredSessions = new Set<string>();

/** Test hook: a fresh app start forgets which sessions were registered. */
export function forgetDeviceRegistrations() {
  registeredSessions.clear();
}

/**
 * Registers this install with the server once per signed-in session (after sign-in, and on every
 * start that restores a session). No push token is sent: there is no notifications library in the
 * app yet, and the token joins this same call when one is added. A failure is only logged, so a
 * flaky network never blocks the UI; the next start tries again.
 */
export function useDeviceRegistration() {
  const { api, installId, platform } = useClients();
  const sessionKey = useSessionStore((s) =>
    s.accessToken ? (sessionIdFromToken(s.accessToken) ?? s.userId ?? s.accessToken) : null,
  );

  useEffect(() => {
    if (!sessionKey || registeredSessions.has(sessionKey)) return;
    // Claimed before the call so token refreshes and re-renders never send it twice.
    registeredSessions.add(sessionKey);
    api.registerDevice({ install_id: installId, platform }).catch((err: unknown) => {
      console.warn('Device registration failed; it is retried on the next start.', err);
    });
  }, [api, installId, platform, sessionKey]);
}
