import { type NextRequest, NextResponse } from 'next/server';
import { isLanguage, LANG_COOKIE, negotiateLanguage } from './i18n/negotiate.ts';

/**
 * Public URLs carry no language (`/`, `/sign-in`, `/c/demo.luna`); the app lives under `app/[lang]`
 * so each language can be rendered statically. We pick the language here and rewrite internally.
 */
export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (isLanguage(pathname.split('/')[1])) return NextResponse.next();
  const lang = negotiateLanguage({
    cookie: request.cookies.get(LANG_COOKIE)?.value,
    acceptLanguage: request.headers.get('accept-language'),
  });
  const url = request.nextUrl.clone();
  url.pathname = `/${lang}${pathname === '/' ? '' : pathname}`;
  // Next's own ISR cache keys on the rewritten path (/tr, /en), so each language is cached separately.
  // Next overwrites Vary, so a shared CDN in front must itself key HTML on the language cookie.
  return NextResponse.rewrite(url);
}

export const config = {
  // Handles contain dots (demo.luna), so static files are excluded by name rather than by extension.
  matcher: ['/((?!_next/|favicon\\.ico|robots\\.txt|sitemap\\.xml).*)'],
};
