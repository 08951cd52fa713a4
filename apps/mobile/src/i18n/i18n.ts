import { getLocales } from 'expo-localization';
import { useCallback } from 'react';
import { create } from 'zustand';
import { secureStorage } from '../lib/secure-storage';
import { en } from './en';
import { tr } from './tr';
import { type Dictionary, LANGUAGES, type Language, type TranslationKey } from './types';

const dictionaries: Record<Language, Dictionary> = { tr, en };
const LANGUAGE_KEY = 'ipelya.language';

/** Turkish for Turkish devices, English for everyone else. */
export function detectLanguage(): Language {
  try {
    return getLocales()[0]?.languageCode === 'tr' ? 'tr' : 'en';
  } catch {
    return 'en';
  }
}

export function translate(
  language: Language,
  key: TranslationKey,
  vars: Record<string, string | number> = {},
): string {
  return dictionaries[language][key].replace(/\{(\w+)\}/g, (m, name: string) =>
    name in vars ? String(vars[name]) : m,
  );
}

type LanguageState = { language: Language; setLanguage: (language: Language) => void };

export const useLanguageStore = create<LanguageState>((set) => ({
  language: detectLanguage(),
  setLanguage: (language) => {
    set({ language });
    secureStorage.setItem(LANGUAGE_KEY, language).catch(() => {
      // Losing the saved choice only means the device language is used next launch.
    });
  },
}));

/** Applies the language the user picked earlier, if any. */
export async function loadSavedLanguage(): Promise<void> {
  const saved = await secureStorage.getItem(LANGUAGE_KEY).catch(() => null);
  if (saved && (LANGUAGES as readonly string[]).includes(saved)) {
    useLanguageStore.setState({ language: saved as Language });
  }
}

/** For keys built at run time from server values (e.g. a wallet entry's kind). */
export function isTranslationKey(key: string): key is TranslationKey {
  return key in tr;
}

export type Translate = (key: TranslationKey, vars?: Record<string, string | number>) => string;

export function useT(): Translate {
  const language = useLanguageStore((s) => s.language);
  return useCallback((key, vars) => translate(language, key, vars), [language]);
}
