import { useRouter } from 'expo-router';
import { Pressable, StyleSheet, Text, View } from 'react-native';
import { useT } from '../i18n/i18n';
import { useSessionStore } from '../state/session-store';
import { useTheme } from '../theme/theme';
import { PersonaBadge } from './persona-badge';

/** Header right side: the wallet shortcut, then the persona badge (always last, always visible). */
export function HeaderActions() {
  const t = useT();
  const theme = useTheme();
  const router = useRouter();
  const signedIn = useSessionStore((s) => s.status === 'signed-in');
  return (
    <View style={styles.row}>
      {signedIn ? (
        <Pressable
          testID="wallet-link"
          accessibilityRole="button"
          accessibilityLabel={t('nav.walletA11y')}
          onPress={() => router.navigate('/wallet')}
          style={[styles.wallet, { borderColor: theme.primary }]}
        >
          <Text style={[styles.text, { color: theme.primary }]}>{t('nav.wallet')}</Text>
        </Pressable>
      ) : null}
      <PersonaBadge />
    </View>
  );
}

const styles = StyleSheet.create({
  row: { flexDirection: 'row', alignItems: 'center' },
  wallet: { borderRadius: 999, borderWidth: 1.5, paddingHorizontal: 10, paddingVertical: 4 },
  text: { fontSize: 13, fontWeight: '700' },
});
