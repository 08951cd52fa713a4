import { en, type MessageKey, type Messages } from './en.ts';
import type { Language } from './negotiate.ts';
import { tr } from './tr.ts';

export type { MessageKey, Messages };
export const dictionaries: Record<Language, Messages> = { tr, en };

export function getMessages(lang: Language): Messages {
  return dictionaries[lang];
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** Builds t(): looks a key up and fills `{name}` placeholders; an unknown placeholder is left visible. */
export function createTranslator(messages: Messages): Translate {
  return (key, vars) => {
    const text = messages[key];
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  };
}
