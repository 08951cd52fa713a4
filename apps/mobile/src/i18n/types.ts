import type { tr } from './tr';

export type TranslationKey = keyof typeof tr;
export type Dictionary = Record<TranslationKey, string>;
export type Language = 'tr' | 'en';
export const LANGUAGES: readonly Language[] = ['tr', 'en'];
/** Each language names itself, so a user can find theirs whatever is active. */
export const LANGUAGE_NAMES: Record<Language, string> = { tr: 'Türkçe', en: 'English' };
