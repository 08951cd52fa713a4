'use client';

import { useEffect } from 'react';
import { useI18n } from './i18n-provider.tsx';
import {
  isLanguage,
  LANGUAGES,
  type Language,
  languageCookie,
  languageFromNavigator,
  readLanguageCookie,
} from './negotiate.ts';

const LABELS: Record<Language, string> = { tr: 'Türkçe', en: 'English' };

/** The address without an explicit /tr or /en prefix, so the proxy applies the new cookie. */
function unprefixedLocation(): string {
  const { pathname, search, hash } = window.location;
  const [, first, ...rest] = pathname.split('/');
  const path = isLanguage(first) ? `/${rest.join('/')}` : pathname;
  return `${path}${search}${hash}`;
}

function remember(lang: Language) {
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing in Safari and older Firefox.
  document.cookie = languageCookie(lang);
}

function choose(lang: Language) {
  remember(lang);
  // A full load, not a client transition: the static pages for each language are separate documents.
  window.location.assign(unprefixedLocation());
}

export function LanguageSwitcher() {
  const { lang, t } = useI18n();

  useEffect(() => {
    // The server guessed from Accept-Language; when the visitor never chose, and the browser's own list
    // disagrees (e.g. a proxy stripped the header), follow the browser once and remember it.
    if (readLanguageCookie(document.cookie)) return;
    const preferred = languageFromNavigator(navigator);
    remember(preferred);
    if (preferred !== lang) window.location.assign(unprefixedLocation());
  }, [lang]);

  return (
    <nav className="lang-switcher" aria-label={t('lang.label')} data-testid="language-switcher">
      {LANGUAGES.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          className={l === lang ? 'lang-option active' : 'lang-option'}
          aria-pressed={l === lang}
          data-testid={`lang-${l}`}
          onClick={() => l !== lang && choose(l)}
        >
          {LABELS[l]}
        </button>
      ))}
    </nav>
  );
}
