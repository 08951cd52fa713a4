import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { createTranslator, dictionaries } from './messages.ts';
import {
  DEFAULT_LANGUAGE,
  LANGUAGES,
  languageCookie,
  languageFromNavigator,
  negotiateLanguage,
  parseAcceptLanguage,
  pickLanguage,
  readLanguageCookie,
} from './negotiate.ts';
import { tr } from './tr.ts';

describe('parseAcceptLanguage', () => {
  it('orders tags by quality, keeping header order for ties', () => {
    expect(parseAcceptLanguage('de;q=0.5, en-US;q=0.8, tr-TR, fr')).toEqual(['tr-TR', 'fr', 'en-US', 'de']);
  });
  it('drops q=0, wildcards, blanks and garbage quality', () => {
    expect(parseAcceptLanguage('tr;q=0, *, ,en;q=abc, de;q=0.1')).toEqual(['de']);
  });
  it('returns nothing for a missing header', () => {
    expect(parseAcceptLanguage(undefined)).toEqual([]);
    expect(parseAcceptLanguage('')).toEqual([]);
  });
});

describe('language negotiation', () => {
  it('matches on the primary subtag', () => {
    expect(pickLanguage(['tr-TR'])).toBe('tr');
    expect(pickLanguage(['EN_gb'])).toBe('en');
  });
  it('takes the first supported language in preference order', () => {
    expect(negotiateLanguage({ acceptLanguage: 'de-DE,de;q=0.9,tr;q=0.8,en;q=0.7' })).toBe('tr');
    expect(negotiateLanguage({ acceptLanguage: 'en-US,en;q=0.9,tr;q=0.8' })).toBe('en');
  });
  it('falls back to the default for unsupported or missing preferences', () => {
    expect(DEFAULT_LANGUAGE).toBe('en');
    expect(negotiateLanguage({ acceptLanguage: 'de-DE,fr;q=0.5' })).toBe('en');
    expect(negotiateLanguage({})).toBe('en');
  });
  it('lets the switcher cookie win over Accept-Language, ignoring invalid cookie values', () => {
    expect(negotiateLanguage({ cookie: 'tr', acceptLanguage: 'en-US' })).toBe('tr');
    expect(negotiateLanguage({ cookie: 'xx', acceptLanguage: 'tr' })).toBe('tr');
  });
  it('reads the browser list on the client', () => {
    expect(languageFromNavigator({ languages: ['de', 'tr-TR'], language: 'de' })).toBe('tr');
    expect(languageFromNavigator({ languages: [], language: 'tr' })).toBe('tr');
    expect(languageFromNavigator({})).toBe('en');
  });
  it('round-trips the language cookie', () => {
    const cookie = languageCookie('tr');
    expect(cookie).toMatch(/^ipelya-lang=tr; Path=\/;/);
    expect(readLanguageCookie(`a=1; ${cookie.split(';')[0]}; b=2`)).toBe('tr');
    expect(readLanguageCookie('ipelya-lang=xx')).toBeNull();
    expect(readLanguageCookie('')).toBeNull();
  });
});

describe('dictionaries', () => {
  it('exist for every language', () => {
    expect(Object.keys(dictionaries).sort()).toEqual([...LANGUAGES].sort());
  });
  it('have exactly the same keys in Turkish and English, none empty', () => {
    expect(Object.keys(tr).sort()).toEqual(Object.keys(en).sort());
    for (const lang of LANGUAGES) {
      for (const [key, value] of Object.entries(dictionaries[lang])) {
        expect(value.trim(), `${lang}:${key}`).not.toBe('');
      }
    }
  });
  it('use the same placeholders in both languages', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(tr[key]), key).toEqual(placeholders(en[key]));
    }
  });
  it('are actually translated (Turkish differs from English for most keys)', () => {
    const same = (Object.keys(en) as (keyof typeof en)[]).filter((k) => tr[k] === en[k]);
    // Brand names and the like may stay identical; whole sections must not.
    expect(same.length).toBeLessThan(5);
  });
});

describe('createTranslator', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    const t = createTranslator(tr);
    expect(t('signIn.codeSent', { target: 'a@b.co' })).toBe('a@b.co adresine 6 haneli bir kod gönderdik.');
    expect(t('creator.followers', {})).toBe('{count} takipçi');
    expect(createTranslator(en)('nav.signIn')).toBe('Sign in');
  });
});
