import { ScrollView, StyleSheet, Text, View } from 'react-native';
import { Button } from '../../components/button';
import { ScreenCaptureGuard } from '../../components/screen-capture-guard';
import { ErrorView, errorMessage, LoadingView } from '../../components/status-views';
import { type Translate, useLanguageStore, useT } from '../../i18n/i18n';
import {
  ContactsSyncError,
  useContactsStatus,
  useDeleteContacts,
  useSyncContacts,
} from '../../state/queries/contacts';
import { useTheme } from '../../theme/theme';

function syncError(t: Translate, error: unknown): string {
  if (error instanceof ContactsSyncError) {
    if (error.reason === 'denied') return t('contacts.denied');
    if (error.reason === 'unavailable') return t('contacts.unavailable');
    return t('contacts.empty');
  }
  return t('contacts.failed', { message: errorMessage(error) });
}

export default function ContactsScreen() {
  const t = useT();
  const theme = useTheme();
  const language = useLanguageStore((s) => s.language);
  const status = useContactsStatus();
  const sync = useSyncContacts();
  const remove = useDeleteContacts();

  if (status.isPending) return <LoadingView />;
  if (status.isError) {
    return (
      <ErrorView
        message={t('common.error', { message: errorMessage(status.error) })}
        onRetry={() => status.refetch()}
      />
    );
  }

  const { enabled, count, updated_at, hash_key } = status.data;
  const busy = sync.isPending || remove.isPending;
  return (
    <ScrollView style={{ backgroundColor: theme.background }} contentContainerStyle={styles.container}>
      <ScreenCaptureGuard guardKey="contacts-firewall" />
      <Text style={[styles.lead, { color: theme.text }]}>{t('contacts.explain')}</Text>
      <Text style={{ color: theme.text }}>{t('contacts.privacy')}</Text>
      <Text style={{ color: theme.muted }}>{t('contacts.accountWide')}</Text>

      <View
        testID="contacts-state"
        style={[
          styles.card,
          { borderColor: enabled ? theme.primary : theme.border, backgroundColor: theme.surface },
        ]}
      >
        <Text style={[styles.state, { color: enabled ? theme.primary : theme.muted }]}>
          {enabled ? t('contacts.enabled', { count }) : t('contacts.disabled')}
        </Text>
        {enabled && updated_at ? (
          <Text style={{ color: theme.muted }}>
            {t('contacts.updatedAt', {
              date: new Date(updated_at).toLocaleString(language === 'tr' ? 'tr-TR' : 'en-GB'),
            })}
          </Text>
        ) : null}
      </View>

      <Button
        testID="contacts-sync"
        label={sync.isPending ? t('contacts.syncing') : t(enabled ? 'contacts.resync' : 'contacts.enable')}
        busy={sync.isPending}
        disabled={busy}
        onPress={() => {
          remove.reset();
          sync.mutate(hash_key);
        }}
      />
      {sync.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {syncError(t, sync.error)}
        </Text>
      ) : null}

      {enabled ? (
        <Button
          testID="contacts-delete"
          label={t('contacts.delete')}
          variant="secondary"
          busy={remove.isPending}
          disabled={busy}
          onPress={() => {
            sync.reset();
            remove.mutate();
          }}
        />
      ) : null}
      {remove.isSuccess ? <Text style={{ color: theme.text }}>{t('contacts.deleted')}</Text> : null}
      {remove.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('contacts.failed', { message: errorMessage(remove.error) })}
        </Text>
      ) : null}
    </ScrollView>
  );
}

const styles = StyleSheet.create({
  container: { padding: 20, gap: 14, maxWidth: 560, width: '100%', alignSelf: 'center' },
  lead: { fontSize: 17, fontWeight: '700', lineHeight: 23 },
  card: { borderWidth: 2, borderRadius: 14, padding: 16, gap: 4 },
  state: { fontSize: 18, fontWeight: '800' },
});
