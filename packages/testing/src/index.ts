export { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumStatus, launchChromium } from './chromium.ts';
export { scratchDatabase } from './postgres.ts';
