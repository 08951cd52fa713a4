import { forgetDeviceRegistrations } from '../../src/hooks/use-devices';
import { useLanguageStore } from '../../src/i18n/i18n';
import { useSessionStore } from '../../src/state/session-store';
import { resetFakeApi } from './fake-api';
import { resetFakeContacts } from './fake-contacts';
import { resetFakeIap } from './fake-iap';
import { resetFakeMedia } from './fake-media';
import { resetFakeScreenCapture } from './fake-screen-capture';
import { resetFakeSupabase } from './fake-supabase';
import { FakeWebSocket } from './fake-websocket';

// Native-only libraries get their published mocks (see TOOLCHAIN.md).
jest.mock('react-native-worklets', () => require('react-native-worklets/src/mock'));
jest.mock('react-native-reanimated', () => require('react-native-reanimated/mock'));

// Module boundaries: auth (supabase-js) and the typed API client are faked; everything else is real.
jest.mock('@supabase/supabase-js', () => require('./fake-supabase'));
jest.mock('@ipelya/api-client', () => ({
  ...jest.requireActual('@ipelya/api-client'),
  createApiClient: require('./fake-api').createApiClient,
}));

jest.mock('expo-secure-store', () => {
  const store = new Map<string, string>();
  return {
    __store: store,
    getItemAsync: jest.fn(async (k: string) => store.get(k) ?? null),
    setItemAsync: jest.fn(async (k: string, v: string) => {
      store.set(k, v);
    }),
    deleteItemAsync: jest.fn(async (k: string) => {
      store.delete(k);
    }),
  };
});
// The App Store / Play Billing module is native; tests script the store through this fake.
jest.mock('expo-iap', () => require('./fake-iap'));
jest.mock('expo-screen-capture', () => require('./fake-screen-capture'));
jest.mock('expo-contacts', () => require('./fake-contacts'));
// Native players: small factories that record playback (see TOOLCHAIN.md).
jest.mock('expo-video', () => require('./fake-media').video);
jest.mock('expo-audio', () => require('./fake-media').audio);
jest.mock('expo-localization', () => ({
  getLocales: jest.fn(() => [{ languageCode: 'en', languageTag: 'en-US', regionCode: 'US' }]),
}));
jest.mock('expo-web-browser', () => ({
  openBrowserAsync: jest.fn(async (_url: string) => ({ type: 'cancel' })),
}));
jest.mock('expo-crypto', () => ({ randomUUID: jest.fn(() => '7f1d5a52-0c4e-4b53-9d0f-3f1c2b8e9a10') }));

(globalThis as { WebSocket: unknown }).WebSocket = FakeWebSocket;

beforeEach(() => {
  (jest.requireMock('expo-secure-store') as { __store: Map<string, string> }).__store.clear();
  resetFakeApi();
  resetFakeIap();
  resetFakeScreenCapture();
  resetFakeContacts();
  resetFakeMedia();
  forgetDeviceRegistrations();
  resetFakeSupabase();
  FakeWebSocket.instances = [];
  useSessionStore.setState({ status: 'loading', accessToken: null, userId: null, persona: 'real' });
  useLanguageStore.setState({ language: 'en' });
});
