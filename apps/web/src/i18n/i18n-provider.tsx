'use client';

import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { createTranslator, type Messages, type Translate } from './messages.ts';
import type { Language } from './negotiate.ts';

type I18n = { lang: Language; t: Translate };
const I18nContext = createContext<I18n | null>(null);

/** Gives client components the dictionary the server already picked, so both render the same text. */
export function I18nProvider(props: { lang: Language; messages: Messages; children: ReactNode }) {
  const value = useMemo(
    () => ({ lang: props.lang, t: createTranslator(props.messages) }),
    [props.lang, props.messages],
  );
  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n must be used inside <I18nProvider>');
  return ctx;
}
