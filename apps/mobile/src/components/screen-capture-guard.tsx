import { StyleSheet, Text, View } from 'react-native';
import { useT } from '../i18n/i18n';
import type { TranslationKey } from '../i18n/types';
import { type CaptureReport, screenCaptureSupported, useScreenCaptureGuard } from '../lib/screen-capture';
import { useTheme } from '../theme/theme';

/**
 * Mount on a sensitive screen (render it conditionally to guard only some states). With `report`, screenshots
 * are reported to the owner and a notice says so; without it the screen is only kept out of captures.
 */
export function ScreenCaptureGuard({
  guardKey,
  report,
  notice = 'screenshot.notice',
}: {
  guardKey: string;
  report?: CaptureReport | null;
  /** Who is told, in the screen's own words. */
  notice?: TranslationKey;
}) {
  const t = useT();
  const theme = useTheme();
  useScreenCaptureGuard(guardKey, report ?? null);
  if (!report || !screenCaptureSupported) return null;
  return (
    <View testID="screenshot-notice" style={[styles.notice, { borderColor: theme.border }]}>
      <Text style={{ color: theme.muted }}>{t(notice)}</Text>
    </View>
  );
}

const styles = StyleSheet.create({
  notice: { borderWidth: 1, borderRadius: 8, paddingVertical: 6, paddingHorizontal: 10 },
});
