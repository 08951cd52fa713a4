import { useRouter } from 'expo-router';
import { Pressable, StyleSheet, Text } from 'react-native';
import { useT } from '../i18n/i18n';
import { useSessionStore } from '../state/session-store';
import { useTheme } from '../theme/theme';

/** The active persona's name as the badge spells it, for screens that say whose data they show. */
export function usePersonaLabel(): string {
  const t = useT();
  const persona = useTheme().persona;
  return t(persona === 'shadow' ? 'persona.shadow' : 'persona.real');
}

/** Shown in every signed-in header so the active persona is never in doubt; opens the profile. */
export function PersonaBadge() {
  const t = useT();
  const theme = useTheme();
  const router = useRouter();
  const status = useSessionStore((s) => s.status);
  const label = usePersonaLabel();
  if (status !== 'signed-in') return null;
  return (
    <Pressable
      testID="persona-badge"
      accessibilityRole="button"
      accessibilityLabel={t('persona.badgeA11y', { persona: label })}
      onPress={() => router.navigate('/profile')}
      style={[styles.badge, { backgroundColor: theme.badgeBackground }]}
    >
      <Text style={[styles.text, { color: theme.badgeText }]}>
        {theme.persona === 'shadow' ? '◐ ' : '● '}
        {label}
      </Text>
    </Pressable>
  );
}

const styles = StyleSheet.create({
  badge: { borderRadius: 999, paddingHorizontal: 12, paddingVertical: 5, marginHorizontal: 8 },
  text: { fontSize: 13, fontWeight: '800', letterSpacing: 1 },
});
