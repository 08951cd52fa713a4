'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { type FailureKind, failureKind } from './api-errors.ts';
import { getSupabase } from './supabase-browser.ts';

export type LoadState<T> =
  | { kind: 'loading' }
  | { kind: 'ready'; data: T }
  | { kind: 'failed'; failure: FailureKind };

/**
 * Runs `loader` once a session exists (otherwise sends the visitor to sign in) and reports the outcome.
 * `reload` re-runs it; `setData` lets a page update what it shows after an action without a refetch.
 */
export function useSignedInLoad<T>(loader: () => Promise<T>) {
  const router = useRouter();
  const [state, setState] = useState<LoadState<T>>({ kind: 'loading' });

  const reload = useCallback(async () => {
    setState({ kind: 'loading' });
    const { data } = await getSupabase().auth.getSession();
    if (!data.session) {
      router.replace('/sign-in');
      return;
    }
    try {
      setState({ kind: 'ready', data: await loader() });
    } catch (err) {
      const failure = failureKind(err);
      if (failure === 'unauthenticated') router.replace('/sign-in');
      else setState({ kind: 'failed', failure });
    }
  }, [loader, router]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const setData = useCallback((update: (prev: T) => T) => {
    setState((s) => (s.kind === 'ready' ? { kind: 'ready', data: update(s.data) } : s));
  }, []);

  return { state, reload, setData };
}
