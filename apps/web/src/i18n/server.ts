import { createTranslator, getMessages, type Translate } from './messages.ts';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from './negotiate.ts';

/** The proxy only ever rewrites to a supported language; anything else falls back rather than crashing. */
export async function langFrom(params: Promise<{ lang: string }>): Promise<Language> {
  const { lang } = await params;
  return isLanguage(lang) ? lang : DEFAULT_LANGUAGE;
}

export function translatorFor(lang: Language): Translate {
  return createTranslator(getMessages(lang));
}
