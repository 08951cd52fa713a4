import { getLocales } from 'expo-localization';
import { screen } from 'expo-router/testing-library';
import * as SecureStore from 'expo-secure-store';
import { parseEnv } from '../src/env';
import { en } from '../src/i18n/en';
import { detectLanguage, translate, useLanguageStore } from '../src/i18n/i18n';
import { tr } from '../src/i18n/tr';
import { secureStorage } from '../src/lib/secure-storage';
import { personaFromToken, sessionIdFromToken } from '../src/state/session-store';
import { makeToken } from './support/fake-supabase';
import { renderApp } from './support/render-app';

describe('env', () => {
  it('defaults to the embedded local server', () => {
    expect(parseEnv({})).toEqual({
      apiUrl: 'http://localhost:54321',
      anonKey: expect.stringMatching(/^eyJ/),
      checkoutProvider: 'local',
    });
  });
  it('rejects an unknown checkout provider', () => {
    expect(() => parseEnv({ checkoutProvider: 'paypal' })).toThrow(/EXPO_PUBLIC_CHECKOUT_PROVIDER/);
  });
  it('rejects a URL that is not http(s)', () => {
    expect(() => parseEnv({ apiUrl: 'ftp://example.com' })).toThrow(/EXPO_PUBLIC_API_URL/);
  });
  it('drops a trailing slash', () => {
    expect(parseEnv({ apiUrl: 'https://api.ipelya.app/' }).apiUrl).toBe('https://api.ipelya.app');
  });
});

describe('i18n', () => {
  it('has the same keys in Turkish and English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(tr).sort());
  });
  it('interpolates values', () => {
    expect(translate('tr', 'creator.followers', { count: 3 })).toBe('3 takipçi');
    expect(translate('en', 'creator.followers', { count: 3 })).toBe('3 followers');
  });
  it('follows the device language', () => {
    jest.mocked(getLocales).mockReturnValueOnce([{ languageCode: 'tr', languageTag: 'tr-TR' }] as never);
    expect(detectLanguage()).toBe('tr');
    jest.mocked(getLocales).mockReturnValueOnce([{ languageCode: 'de', languageTag: 'de-DE' }] as never);
    expect(detectLanguage()).toBe('en');
  });
  it('shows the sign-in screen in Turkish on a Turkish device', async () => {
    useLanguageStore.setState({ language: 'tr' });
    renderApp('/sign-in', null);
    expect(await screen.findByLabelText('E-posta adresi')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Kod gönder' })).toBeOnTheScreen();
  });
});

describe('secure storage adapter', () => {
  it('stores values larger than one SecureStore entry in chunks and reads them back', async () => {
    const big = 'x'.repeat(4000) + 'end';
    await secureStorage.setItem('sb-localhost-auth-token', big);
    expect(await secureStorage.getItem('sb-localhost-auth-token')).toBe(big);
    for (const [key, value] of (SecureStore as unknown as { __store: Map<string, string> }).__store) {
      expect(value.length).toBeLessThanOrEqual(2048);
      expect(key).toMatch(/^[A-Za-z0-9._-]+$/);
    }
    await secureStorage.setItem('sb-localhost-auth-token', 'small');
    expect(await secureStorage.getItem('sb-localhost-auth-token')).toBe('small');
    await secureStorage.removeItem('sb-localhost-auth-token');
    expect(await secureStorage.getItem('sb-localhost-auth-token')).toBeNull();
    expect((SecureStore as unknown as { __store: Map<string, string> }).__store.size).toBe(0);
  });
});

describe('persona claim', () => {
  it('is read from the access token', () => {
    expect(personaFromToken(makeToken('shadow'))).toBe('shadow');
    expect(personaFromToken(makeToken('real'))).toBe('real');
    expect(personaFromToken('garbage')).toBeNull();
  });
});

describe('session id claim', () => {
  it('is read from the access token when present', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'user-1', session_id: 'sess-42' })).toString(
      'base64url',
    );
    expect(sessionIdFromToken(`e30.${payload}.sig`)).toBe('sess-42');
    expect(sessionIdFromToken(makeToken('real'))).toBeNull();
    expect(sessionIdFromToken('garbage')).toBeNull();
  });
});
