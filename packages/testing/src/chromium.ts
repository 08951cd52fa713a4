import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); playwright's own browser download does not work here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a closed network: no background fetches, no QUIC, no first-run work. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Browser tests skip with a message when Chromium is missing on a developer machine, and fail in CI
 * (CI is set there), so a missing install can never pass silently.
 */
export function chromiumStatus(env: Record<string, string | undefined> = process.env) {
  const available = existsSync(CHROMIUM_PATH);
  const required = Boolean(env.CI);
  return {
    available,
    required,
    shouldRun: available || required,
    skipMessage: `${CHROMIUM_PATH} not found (apt-get install -y chromium); skipped locally, CI fails instead`,
  };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
