/** Languages the web app ships; Turkish first because İpelya is a Turkish-first product. */
export const LANGUAGES = ['tr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
/** Used when nothing the visitor prefers is available: English reaches more of them than Turkish. */
export const DEFAULT_LANGUAGE: Language = 'en';
/** Cookie the language switcher writes; it wins over the browser's preferences. */
export const LANG_COOKIE = 'ipelya-lang';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Parses an Accept-Language header into language tags, most preferred first (q=0 means "not this one"). */
export function parseAcceptLanguage(header: string | null | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      let q = 1;
      for (const p of params) {
        const [k, v] = p.trim().split('=');
        if (k === 'q' && v !== undefined) {
          const n = Number(v);
          q = Number.isFinite(n) ? n : 0;
        }
      }
      return { tag: tag.trim(), q, index };
    })
    .filter((e) => e.tag && e.tag !== '*' && e.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((e) => e.tag);
}

/** First supported language among the preferred tags (matching on the primary subtag: tr-TR → tr). */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (isLanguage(primary)) return primary;
  }
  return DEFAULT_LANGUAGE;
}

/** Server side: the cookie set by the switcher, else Accept-Language, else the default. */
export function negotiateLanguage(input: {
  cookie?: string | null;
  acceptLanguage?: string | null;
}): Language {
  if (isLanguage(input.cookie)) return input.cookie;
  return pickLanguage(parseAcceptLanguage(input.acceptLanguage));
}

/** Client side: the browser's own list (navigator.languages), falling back to navigator.language. */
export function languageFromNavigator(nav: { languages?: readonly string[]; language?: string }): Language {
  const list = nav.languages?.length ? nav.languages : nav.language ? [nav.language] : [];
  return pickLanguage(list);
}

/** Value for document.cookie that remembers a chosen language for a year. */
export function languageCookie(lang: Language): string {
  return `${LANG_COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`;
}

/** Reads the language cookie out of a document.cookie string. */
export function readLanguageCookie(cookieString: string): Language | null {
  for (const part of cookieString.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === LANG_COOKIE && isLanguage(v)) return v;
  }
  return null;
}
