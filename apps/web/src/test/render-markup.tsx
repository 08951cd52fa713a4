import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nProvider } from '../i18n/i18n-provider.tsx';
import { getMessages } from '../i18n/messages.ts';
import type { Language } from '../i18n/negotiate.ts';

/** Server-renders a component with the app's real dictionaries, as the component tests read it. */
export function render(node: ReactNode, lang: Language = 'en'): string {
  return renderToStaticMarkup(
    <I18nProvider lang={lang} messages={getMessages(lang)}>
      {node}
    </I18nProvider>,
  );
}
/** How many elements carry this data-testid. */
export const count = (markup: string, testid: string) => markup.split(`data-testid="${testid}"`).length - 1;
/** Intl inserts (narrow) no-break spaces in money and dates; assertions read them as spaces. */
export const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
export const noop = () => {};
