import { describe, expect, it } from 'vitest';
import {
  formatCoins,
  formatMinor,
  minorDigits,
  minorToInput,
  parseMajorInput,
  preferredCurrency,
} from './money.ts';

// Intl uses a narrow no-break space in some locales; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatMinor', () => {
  it('turns kuruş into lira with Turkish separators', () => {
    expect(plain(formatMinor(6999, 'TRY', 'tr'))).toBe('₺69,99');
    expect(plain(formatMinor(6_999_999, 'TRY', 'tr'))).toBe('₺69.999,99');
  });
  it('turns cents into dollars with English separators', () => {
    expect(formatMinor(199, 'USD', 'en')).toBe('$1.99');
    expect(formatMinor(199_999, 'USD', 'en')).toBe('$1,999.99');
  });
  it('shows a foreign currency in the reader’s locale', () => {
    expect(plain(formatMinor(6999, 'TRY', 'en'))).toBe('TRY 69.99');
    expect(plain(formatMinor(199, 'USD', 'tr'))).toBe('$1,99');
  });
  it('uses the currency’s own number of decimals', () => {
    // JPY has no minor unit: 500 minor units are ¥500, not ¥5.
    expect(formatMinor(500, 'JPY', 'en')).toBe('¥500');
    expect(formatMinor(0, 'USD', 'en')).toBe('$0.00');
  });
});

describe('formatCoins', () => {
  it('groups thousands per language', () => {
    expect(formatCoins(1200, 'tr')).toBe('1.200');
    expect(formatCoins(1200, 'en')).toBe('1,200');
    expect(formatCoins(-40, 'en')).toBe('-40');
  });
});

describe('preferredCurrency', () => {
  it('prefers lira in Turkish and dollars in English', () => {
    expect(preferredCurrency('tr', ['USD', 'EUR', 'TRY'])).toBe('TRY');
    expect(preferredCurrency('en', ['TRY', 'EUR', 'USD'])).toBe('USD');
  });
  it('falls back to what the package offers', () => {
    expect(preferredCurrency('tr', ['USD'])).toBe('USD');
    expect(preferredCurrency('en', ['GBP'])).toBe('GBP');
    expect(preferredCurrency('en', [])).toBeNull();
  });
});

describe('admin price inputs', () => {
  it('knows each currency’s decimals and refuses malformed codes', () => {
    expect(minorDigits('USD')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('usd')).toBeNull();
    expect(minorDigits('US')).toBeNull();
  });
  it('shows minor units as a plain amount', () => {
    expect(minorToInput(999, 'USD')).toBe('9.99');
    expect(minorToInput(5, 'TRY')).toBe('0.05');
    expect(minorToInput(17999, 'TRY')).toBe('179.99');
    expect(minorToInput(500, 'JPY')).toBe('500');
  });
  it('reads dot or comma decimals exactly, on the digits', () => {
    expect(parseMajorInput('9.99', 'USD')).toBe(999);
    expect(parseMajorInput(' 9,99 ', 'TRY')).toBe(999);
    expect(parseMajorInput('0.29', 'USD')).toBe(29);
    expect(parseMajorInput('10', 'USD')).toBe(1000);
    expect(parseMajorInput('10.5', 'USD')).toBe(1050);
    expect(parseMajorInput('500', 'JPY')).toBe(500);
  });
  it('refuses what is not a plain amount', () => {
    for (const bad of ['', 'abc', '-1', '1.999', '1,234.56', '1e3', '5.5']) {
      const currency = bad === '5.5' ? 'JPY' : 'USD';
      expect(parseMajorInput(bad, currency), bad).toBeNull();
    }
  });
});
