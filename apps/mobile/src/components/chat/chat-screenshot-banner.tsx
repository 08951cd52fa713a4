import { Pressable, StyleSheet, Text, View } from 'react-native';
import { useT } from '../../i18n/i18n';
import { useTheme } from '../../theme/theme';

/** Someone took a screenshot of this chat; `handle` is '' when their account is hidden from us. */
export function ChatScreenshotBanner({ handle, onDismiss }: { handle: string; onDismiss: () => void }) {
  const t = useT();
  const theme = useTheme();
  return (
    <View
      testID="chat-screenshot-banner"
      accessibilityRole="alert"
      style={[styles.banner, { backgroundColor: theme.surface, borderColor: theme.danger }]}
    >
      <Text style={[styles.flex, { color: theme.danger }]}>
        {handle ? t('chat.screenshotBy', { handle }) : t('chat.screenshotByOther')}
      </Text>
      <Pressable accessibilityRole="button" onPress={onDismiss}>
        <Text style={{ color: theme.muted }}>{t('chat.dismiss')}</Text>
      </Pressable>
    </View>
  );
}

const styles = StyleSheet.create({
  flex: { flex: 1 },
  banner: {
    flexDirection: 'row',
    alignItems: 'center',
    gap: 8,
    borderWidth: 1,
    borderRadius: 10,
    padding: 10,
  },
});
