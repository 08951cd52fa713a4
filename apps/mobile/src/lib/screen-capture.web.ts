import type { ScreenshotContext } from '@ipelya/contracts';

export type CaptureReport = { context: ScreenshotContext; targetId: string };

/** Browsers can neither block nor detect screenshots, so the web build promises nothing. */
export const screenCaptureSupported = false;

export function useScreenCaptureGuard(_key: string, _report: CaptureReport | null): void {}
