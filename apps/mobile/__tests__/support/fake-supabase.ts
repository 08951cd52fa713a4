// Stands in for @supabase/supabase-js at the module boundary; the app's own code runs unchanged.
import type { Persona } from '@ipelya/contracts';

type Session = { access_token: string; refresh_token: string; user: { id: string } };
type Listener = (event: string, session: Session | null) => void;

function base64url(value: string): string {
  return Buffer.from(value).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** A JWT-shaped token carrying the persona claim the server's hook adds. */
export function makeToken(persona: Persona, n = 1): string {
  return `${base64url('{"alg":"HS256"}')}.${base64url(JSON.stringify({ sub: 'user-1', persona, n }))}.sig`;
}

export function makeSession(persona: Persona = 'real'): Session {
  return { access_token: makeToken(persona), refresh_token: `refresh-${persona}`, user: { id: 'user-1' } };
}

const listeners = new Set<Listener>();
/** `refreshPersona`: the persona the claims hook puts into a refreshed token. */
export const state: { session: Session | null; refreshPersona: Persona } = {
  session: null,
  refreshPersona: 'shadow',
};

function emit(event: string, session: Session | null) {
  state.session = session;
  for (const l of [...listeners]) l(event, session);
}

export const auth = {
  getSession: jest.fn(async () => ({ data: { session: state.session }, error: null })),
  onAuthStateChange: jest.fn((cb: Listener) => {
    listeners.add(cb);
    return { data: { subscription: { unsubscribe: () => listeners.delete(cb) } } };
  }),
  signInWithOtp: jest.fn(async (_args: { email?: string; phone?: string }) => ({
    data: {},
    error: null as Error | null,
  })),
  verifyOtp: jest.fn(async (_args: { token: string }) => {
    const session = makeSession('real');
    emit('SIGNED_IN', session);
    return { data: { session }, error: null as Error | null };
  }),
  setSession: jest.fn(async (tokens: { access_token: string; refresh_token: string }) => {
    const session = { ...tokens, user: { id: 'user-1' } };
    emit('TOKEN_REFRESHED', session);
    return { data: { session }, error: null };
  }),
  refreshSession: jest.fn(async () => {
    const session = state.session
      ? { ...state.session, access_token: makeToken(state.refreshPersona, 2) }
      : null;
    emit('TOKEN_REFRESHED', session);
    return { data: { session }, error: null };
  }),
  signOut: jest.fn(async (_options?: { scope?: 'global' | 'local' | 'others' }) => {
    emit('SIGNED_OUT', null);
    return { error: null as Error | null };
  }),
  startAutoRefresh: jest.fn(),
  stopAutoRefresh: jest.fn(),
};

export const createClient = jest.fn((_url: string, _key: string, _options: unknown) => ({ auth }));

/** Sets the session a fresh app start finds in storage. */
export function setStoredSession(session: Session | null) {
  listeners.clear();
  state.session = session;
}

/** Fresh state per test; jest.fn implementations set by a test are put back to the defaults. */
export function resetFakeSupabase() {
  setStoredSession(null);
  state.refreshPersona = 'shadow';
  auth.signInWithOtp.mockReset().mockImplementation(async () => ({ data: {}, error: null }));
  auth.verifyOtp.mockReset().mockImplementation(async () => {
    const s = makeSession('real');
    emit('SIGNED_IN', s);
    return { data: { session: s }, error: null };
  });
  auth.setSession.mockClear();
  auth.refreshSession.mockClear();
  auth.signOut.mockReset().mockImplementation(async () => {
    emit('SIGNED_OUT', null);
    return { error: null };
  });
}
