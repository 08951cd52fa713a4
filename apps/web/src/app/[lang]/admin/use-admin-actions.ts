'use client';

import { useCallback, useState } from 'react';

/** Per-row action state for admin lists: which row is busy, which finished (and how), which failed. */
export function useRowActions<Done extends string>() {
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<Record<string, Done>>({});
  const [failed, setFailed] = useState<string | null>(null);

  const run = useCallback(async (id: string, outcome: Done, action: () => Promise<unknown>) => {
    setBusy(id);
    setFailed(null);
    try {
      await action();
      setDone((d) => ({ ...d, [id]: outcome }));
    } catch {
      setFailed(id);
    } finally {
      setBusy(null);
    }
  }, []);

  return { busy, done, failed, run };
}
