import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { AuthNav } from '../../components/auth-nav.tsx';
import { I18nProvider } from '../../i18n/i18n-provider.tsx';
import { LanguageSwitcher } from '../../i18n/language-switcher.tsx';
import { createTranslator, getMessages } from '../../i18n/messages.ts';
import { LANGUAGES } from '../../i18n/negotiate.ts';
import { langFrom } from '../../i18n/server.ts';
import '../globals.css';

type Props = { children: ReactNode; params: Promise<{ lang: string }> };

export function generateStaticParams() {
  return LANGUAGES.map((lang) => ({ lang }));
}

export async function generateMetadata({ params }: Omit<Props, 'children'>): Promise<Metadata> {
  const t = createTranslator(getMessages(await langFrom(params)));
  return { title: { default: t('meta.title'), template: '%s · İpelya' }, description: t('meta.description') };
}

export default async function RootLayout({ children, params }: Props) {
  const lang = await langFrom(params);
  const messages = getMessages(lang);
  const t = createTranslator(messages);
  return (
    <html lang={lang}>
      <body>
        <I18nProvider lang={lang} messages={messages}>
          <header className="site-header">
            <Link href="/" className="brand" data-testid="brand" aria-label={t('nav.home')}>
              İpelya
            </Link>
            <div className="header-right">
              <AuthNav />
              <LanguageSwitcher />
            </div>
          </header>
          <main className="site-main">{children}</main>
          <footer className="site-footer">{t('footer.tagline')}</footer>
        </I18nProvider>
      </body>
    </html>
  );
}
