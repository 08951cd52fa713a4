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

/** How many decimals a currency's minor unit has (2 for USD/TRY, 0 for JPY); null for a malformed code. */
export function minorDigits(currency: string): number | null {
  if (!/^[A-Z]{3}$/.test(currency)) return null;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number;
  } catch {
    return null;
  }
}

/** Minor units → what an admin types: 999 USD is "9.99", 500 JPY is "500" (no grouping, dot decimal). */
export function minorToInput(amountMinor: number, currency: string): string {
  const digits = minorDigits(currency) ?? 2;
  if (digits === 0) return String(amountMinor);
  const s = String(amountMinor).padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/**
 * What an admin typed ("9.99", "9,99", "10") → minor units, computed on the digits so 0.29 never becomes
 * 28.999…; null when it is not a plain amount with at most the currency's decimals.
 */
export function parseMajorInput(text: string, currency: string): number | null {
  const digits = minorDigits(currency) ?? 2;
  const m = /^(\d+)(?:[.,](\d*))?$/.exec(text.trim());
  if (!m) return null;
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = Number(m[1] + fraction.padEnd(digits, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}
