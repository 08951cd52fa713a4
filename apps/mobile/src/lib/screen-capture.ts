import type { ScreenshotContext } from '@ipelya/contracts';
import {
  addScreenshotListener,
  disableAppSwitcherProtectionAsync,
  enableAppSwitcherProtectionAsync,
  usePreventScreenCapture,
} from 'expo-screen-capture';
import { useEffect } from 'react';
import { Platform } from 'react-native';
import { useClients } from './clients-context';

/** What a screenshot of this screen captured: reported to its owner (post author, profile, chat members). */
export type CaptureReport = { context: ScreenshotContext; targetId: string };

/** Native builds can block capture and detect screenshots; the web build cannot. */
export const screenCaptureSupported = true;

/**
 * Guards a sensitive screen while it is mounted: blocks screenshots and recordings (FLAG_SECURE on Android,
 * the secure-layer protection on iOS), blurs the iOS app-switcher snapshot, and reports a screenshot that
 * still gets through (e.g. iOS versions without protection) so the owner is told who took it.
 */
export function useScreenCaptureGuard(key: string, report: CaptureReport | null): void {
  usePreventScreenCapture(key);
  const { api } = useClients();

  useEffect(() => {
    if (Platform.OS !== 'ios') return; // Android's FLAG_SECURE already blanks the recents preview
    enableAppSwitcherProtectionAsync().catch(() => undefined);
    return () => {
      disableAppSwitcherProtectionAsync().catch(() => undefined);
    };
  }, []);

  const context = report?.context;
  const targetId = report?.targetId;
  useEffect(() => {
    if (!context || !targetId) return;
    const subscription = addScreenshotListener(() => {
      // Best effort: a failed report must not disturb the viewer's screen.
      api.reportScreenshot({ context, target_id: targetId }).catch(() => undefined);
    });
    return () => subscription.remove();
  }, [api, context, targetId]);
}
