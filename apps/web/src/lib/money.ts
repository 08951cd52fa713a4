import type { Language } from '../i18n/negotiate.ts';

const LOCALE: Record<Language, string> = { tr: 'tr-TR', en: 'en-US' };

/** The currency a buyer most likely pays in: lira for Turkish, dollars otherwise, if the package has it. */
export function preferredCurrency(lang: Language, offered: string[]): string | null {
  const wanted = lang === 'tr' ? ['TRY', 'USD', 'EUR'] : ['USD', 'EUR', 'TRY'];
  return wanted.find((c) => offered.includes(c)) ?? offered[0] ?? null;
}

/**
 * Minor units (kuruş, cents) → a localized amount. The number of decimals comes from the currency itself
 * (Intl knows JPY has none), so 6999 TRY is ₺69,99 in Turkish and TRY 69.99 in English.
 */
export function formatMinor(amountMinor: number, currency: string, lang: Language): string {
  const fmt = new Intl.NumberFormat(LOCALE[lang], { style: 'currency', currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(amountMinor / 10 ** digits);
}

/** Coins are whole numbers; grouping follows the language (1.200 in Turkish, 1,200 in English). */
export function formatCoins(coins: number, lang: Language): string {
  return new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 0 }).format(coins);
}

export function formatDate(iso: string, lang: Language, withTime = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALE[lang], {
    dateStyle: 'medium',
    ...(withTime ? { timeStyle: 'short' } : {}),
  }).format(d);
}
