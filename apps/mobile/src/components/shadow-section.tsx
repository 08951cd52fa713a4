import { ActivityIndicator, StyleSheet, Switch, Text, View } from 'react-native';
import { useT } from '../i18n/i18n';
import { useSetShadowActive, useShadowState } from '../state/queries/account';
import { useSessionStore } from '../state/session-store';
import { useTheme } from '../theme/theme';
import { errorMessage } from './status-views';

/** The shadow persona's on/off switch (account-wide, whichever persona is active). */
export function ShadowSection() {
  const t = useT();
  const theme = useTheme();
  const state = useShadowState();
  const setActive = useSetShadowActive();
  const persona = useSessionStore((s) => s.persona);
  const status = state.data?.shadow;
  // Suspended or deleted shadows are moderation's call, not a switch.
  const switchable = status === 'active' || status === 'off';

  return (
    <View testID="shadow-section" style={styles.section}>
      <Text accessibilityRole="header" style={[styles.label, { color: theme.text }]}>
        {t('shadow.title')}
      </Text>
      <Text style={{ color: theme.muted }}>{t('shadow.explain')}</Text>
      {state.isPending ? (
        <ActivityIndicator color={theme.primary} accessibilityLabel={t('common.loading')} />
      ) : state.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('shadow.loadFailed', { message: errorMessage(state.error) })}
        </Text>
      ) : (
        <View style={[styles.row, { borderColor: theme.border }]}>
          <Text testID="shadow-state" style={[styles.label, { color: theme.text }]}>
            {t(`shadow.state.${state.data.shadow}`)}
          </Text>
          <Switch
            testID="shadow-switch"
            accessibilityLabel={t('shadow.switchA11y')}
            value={status === 'active'}
            disabled={!switchable || setActive.isPending}
            onValueChange={(on) => setActive.mutate(on)}
            trackColor={{ true: theme.primary, false: theme.border }}
            thumbColor={theme.surface}
            {...{ activeThumbColor: theme.surface }}
          />
        </View>
      )}
      {status === 'active' && persona === 'shadow' ? (
        <Text style={{ color: theme.muted }}>{t('shadow.offMovesSession')}</Text>
      ) : null}
      {setActive.isPending ? <Text style={{ color: theme.muted }}>{t('shadow.saving')}</Text> : null}
      {setActive.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('shadow.failed', { message: errorMessage(setActive.error) })}
        </Text>
      ) : null}
    </View>
  );
}

const styles = StyleSheet.create({
  section: { gap: 8 },
  label: { fontSize: 16, fontWeight: '600' },
  row: {
    flexDirection: 'row',
    justifyContent: 'space-between',
    alignItems: 'center',
    borderTopWidth: 1,
    borderBottomWidth: 1,
    paddingVertical: 12,
  },
});
