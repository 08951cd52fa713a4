import { useRouter } from 'expo-router';
import { ScrollView, StyleSheet, Switch, Text, View } from 'react-native';
import { Button } from '../components/button';
import { ScreenCaptureGuard } from '../components/screen-capture-guard';
import { SessionsSection } from '../components/sessions-section';
import { ShadowSection } from '../components/shadow-section';
import { ErrorView, errorMessage, LoadingView } from '../components/status-views';
import { useLanguageStore, useT } from '../i18n/i18n';
import { LANGUAGE_NAMES, LANGUAGES } from '../i18n/types';
import { useClients } from '../lib/clients-context';
import { useShadowState } from '../state/queries/account';
import { useMe, useSwitchPersona } from '../state/queries/me';
import { useSessionStore } from '../state/session-store';
import { useTheme } from '../theme/theme';

export default function ProfileScreen() {
  const t = useT();
  const theme = useTheme();
  const router = useRouter();
  const { supabase } = useClients();
  const me = useMe();
  const switchPersona = useSwitchPersona();
  const shadowState = useShadowState();
  const persona = useSessionStore((s) => s.persona);
  const language = useLanguageStore((s) => s.language);
  const setLanguage = useLanguageStore((s) => s.setLanguage);

  if (me.isPending) return <LoadingView />;
  if (me.isError) {
    return (
      <ErrorView
        message={t('common.error', { message: errorMessage(me.error) })}
        onRetry={() => me.refetch()}
      />
    );
  }

  const active = me.data.active_profile;
  const shadow = persona === 'shadow';
  // A shadow that is off (or closed by moderation) cannot be switched into.
  const shadowClosed = !shadow && !!shadowState.data && shadowState.data.shadow !== 'active';

  return (
    <ScrollView style={{ backgroundColor: theme.background }} contentContainerStyle={styles.container}>
      {/* The shadow persona must not leak through a screenshot of its own profile. */}
      {shadow ? <ScreenCaptureGuard guardKey="own-shadow-profile" /> : null}
      <View
        testID="persona-card"
        style={[styles.card, { backgroundColor: theme.surface, borderColor: theme.primary }]}
      >
        <Text style={[styles.caption, { color: theme.muted }]}>{t('profile.activePersona')}</Text>
        <Text style={[styles.persona, { color: theme.primary }]}>
          {t(shadow ? 'persona.shadow' : 'persona.real')}
        </Text>
        <Text style={[styles.name, { color: theme.text }]}>{active.display_name}</Text>
        <Text style={{ color: theme.muted }}>@{active.handle}</Text>
        <Text style={[styles.hint, { color: theme.text }]}>
          {t(shadow ? 'profile.shadowHint' : 'profile.realHint')}
        </Text>
      </View>

      <View style={[styles.row, { borderColor: theme.border }]}>
        <Text style={[styles.label, { color: theme.text }]}>{t('profile.shadowMode')}</Text>
        <Switch
          testID="persona-switch"
          accessibilityLabel={t('profile.shadowMode')}
          value={shadow}
          disabled={switchPersona.isPending || shadowClosed}
          onValueChange={(on) => switchPersona.mutate(on ? 'shadow' : 'real')}
          trackColor={{ true: theme.primary, false: theme.border }}
          thumbColor={theme.surface}
          // react-native-web paints the active thumb from its own prop (teal by default).
          {...{ activeThumbColor: theme.surface }}
        />
      </View>
      {shadowClosed ? (
        <Text testID="shadow-unavailable" style={{ color: theme.muted }}>
          {t('profile.shadowUnavailable')}
        </Text>
      ) : null}
      {switchPersona.isPending ? <Text style={{ color: theme.muted }}>{t('profile.switching')}</Text> : null}
      {switchPersona.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('profile.switchFailed', { message: errorMessage(switchPersona.error) })}
        </Text>
      ) : null}

      <Text style={[styles.label, { color: theme.text }]}>{t('profile.language')}</Text>
      <View style={styles.languages}>
        {LANGUAGES.map((lang) => (
          <View key={lang} style={styles.flex}>
            <Button
              label={LANGUAGE_NAMES[lang]}
              variant={language === lang ? 'primary' : 'secondary'}
              selected={language === lang}
              onPress={() => setLanguage(lang)}
            />
          </View>
        ))}
      </View>

      <View style={styles.section}>
        <Text accessibilityRole="header" style={[styles.label, { color: theme.text }]}>
          {t('profile.privacy')}
        </Text>
        <Button
          testID="link-messages"
          label={t('nav.messages')}
          variant="secondary"
          onPress={() => router.navigate('/messages')}
        />
        <Button
          testID="link-contacts"
          label={t('nav.contacts')}
          variant="secondary"
          onPress={() => router.navigate('/privacy/contacts')}
        />
        <Button
          testID="link-blocked"
          label={t('nav.blocked')}
          variant="secondary"
          onPress={() => router.navigate('/privacy/blocked')}
        />
      </View>

      <ShadowSection />

      <SessionsSection />

      <View style={styles.section}>
        <Text accessibilityRole="header" style={[styles.label, { color: theme.text }]}>
          {t('profile.account')}
        </Text>
        <Button
          label={t('profile.signOut')}
          variant="secondary"
          onPress={() => void supabase.auth.signOut()}
        />
        <Button
          testID="link-delete-account"
          label={t('deleteAccount.link')}
          variant="secondary"
          onPress={() => router.navigate('/account/delete')}
        />
      </View>
    </ScrollView>
  );
}

const styles = StyleSheet.create({
  container: { padding: 20, gap: 16, maxWidth: 560, width: '100%', alignSelf: 'center' },
  card: { borderWidth: 2, borderRadius: 16, padding: 20, gap: 6 },
  caption: { fontSize: 13, textTransform: 'uppercase', letterSpacing: 1 },
  persona: { fontSize: 28, fontWeight: '900', letterSpacing: 2 },
  name: { fontSize: 20, fontWeight: '700', marginTop: 8 },
  hint: { marginTop: 8, lineHeight: 20 },
  row: {
    flexDirection: 'row',
    justifyContent: 'space-between',
    alignItems: 'center',
    borderTopWidth: 1,
    borderBottomWidth: 1,
    paddingVertical: 12,
  },
  label: { fontSize: 16, fontWeight: '600' },
  languages: { flexDirection: 'row', gap: 8 },
  section: { gap: 8 },
  flex: { flex: 1 },
});
