import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { AppState, Platform } from 'react-native';
import { loadSavedLanguage, useT } from '../i18n/i18n';
import { type Clients, initClients } from '../lib/clients';
import { ClientsContext } from '../lib/clients-context';
import { useSessionStore } from '../state/session-store';
import { ErrorView, errorMessage, LoadingView } from './status-views';

/** Creates the clients, restores the saved session and language, then renders the app. */
export function AppBootstrap({ children }: { children: ReactNode }) {
  const t = useT();
  const setSession = useSessionStore((s) => s.setSession);
  const [clients, setClients] = useState<Clients | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the bootstrap on retry
  useEffect(() => {
    let cancelled = false;
    let unsubscribe: (() => void) | undefined;
    (async () => {
      try {
        await loadSavedLanguage();
        const created = await initClients();
        const { data, error } = await created.supabase.auth.getSession();
        if (error) throw error;
        if (cancelled) return;
        setSession(data.session);
        // Signing out or in swaps the query cache (see PersonaQueryScope), so nothing carries over.
        const { data: listener } = created.supabase.auth.onAuthStateChange((_event, session) => {
          setSession(session);
        });
        unsubscribe = () => listener.subscription.unsubscribe();
        setClients(created);
      } catch (err) {
        if (!cancelled) setFailure(err);
      }
    })();
    return () => {
      cancelled = true;
      unsubscribe?.();
    };
  }, [attempt, setSession]);

  // Native apps refresh tokens only while in the foreground, as supabase-js recommends.
  useEffect(() => {
    if (!clients || Platform.OS === 'web') return;
    const sub = AppState.addEventListener('change', (state) => {
      if (state === 'active') clients.supabase.auth.startAutoRefresh();
      else clients.supabase.auth.stopAutoRefresh();
    });
    return () => sub.remove();
  }, [clients]);

  const retry = useCallback(() => {
    setFailure(null);
    setAttempt((n) => n + 1);
  }, []);

  if (failure)
    return (
      <ErrorView message={t('common.startupFailed', { message: errorMessage(failure) })} onRetry={retry} />
    );
  if (!clients) return <LoadingView />;
  return <ClientsContext.Provider value={clients}>{children}</ClientsContext.Provider>;
}
