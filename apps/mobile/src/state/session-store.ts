import type { Persona } from '@ipelya/contracts';
import { create } from 'zustand';

export type SessionStatus = 'loading' | 'signed-out' | 'signed-in';

type SessionLike = { access_token: string; user?: { id?: string } | null } | null | undefined;

type SessionState = {
  status: SessionStatus;
  accessToken: string | null;
  userId: string | null;
  persona: Persona;
  setSession: (session: SessionLike) => void;
  setPersona: (persona: Persona) => void;
};

/** Decodes an access token's payload without verifying it (the server does that); null if unreadable. */
function tokenClaims(token: string): Record<string, unknown> | null {
  try {
    const payload = token.split('.')[1];
    if (!payload) return null;
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const json = decodeURIComponent(
      Array.from(atob(padded), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    );
    const claims = JSON.parse(json) as unknown;
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Reads the `persona` claim the server's access-token hook adds; null when absent or unreadable. */
export function personaFromToken(token: string): Persona | null {
  const claim = tokenClaims(token)?.persona;
  return claim === 'real' || claim === 'shadow' ? claim : null;
}

/** The auth session id (`session_id` claim); it stays the same across token refreshes and persona switches. */
export function sessionIdFromToken(token: string): string | null {
  const claim = tokenClaims(token)?.session_id;
  return typeof claim === 'string' && claim ? claim : null;
}

export const useSessionStore = create<SessionState>((set, get) => ({
  status: 'loading',
  accessToken: null,
  userId: null,
  persona: 'real',
  setSession: (session) => {
    if (!session) {
      set({ status: 'signed-out', accessToken: null, userId: null, persona: 'real' });
      return;
    }
    // The token is known before /api/me answers, so the theme is right from the first frame.
    set({
      status: 'signed-in',
      accessToken: session.access_token,
      userId: session.user?.id ?? null,
      persona: personaFromToken(session.access_token) ?? get().persona,
    });
  },
  setPersona: (persona) => set({ persona }),
}));
