import path from 'node:path';
import { renderRouter } from 'expo-router/testing-library';
import { makeSession, setStoredSession } from './fake-supabase';

const APP_DIR = path.resolve(__dirname, '../../src/app');

/** Renders the real router, layout and screens at `url`, signed in as `persona` or signed out. */
export function renderApp(url: string, signedInAs: 'real' | 'shadow' | null = 'real') {
  setStoredSession(signedInAs ? makeSession(signedInAs) : null);
  return renderRouter(APP_DIR, { initialUrl: url });
}
