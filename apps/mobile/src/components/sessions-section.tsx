import type { SessionInfo } from '@ipelya/contracts';
import { StyleSheet, Text, View } from 'react-native';
import { type Translate, useLanguageStore, useT } from '../i18n/i18n';
import type { Language } from '../i18n/types';
import { type Device, useDevices } from '../state/queries/devices';
import { useRevokeSession, useSessions } from '../state/queries/sessions';
import { useTheme } from '../theme/theme';
import { Button } from './button';
import { errorMessage } from './status-views';

function formatDate(iso: string, language: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language === 'tr' ? 'tr-TR' : 'en-US', { dateStyle: 'medium' }).format(date);
}

function deviceLabel(t: Translate, device: Device | undefined): string {
  if (!device) return t('sessions.unknownDevice');
  return t(`sessions.platform.${device.platform}`);
}

function SessionRow({
  session,
  device,
  onRevoke,
  revoking,
}: {
  session: SessionInfo;
  device: Device | undefined;
  onRevoke: (id: string) => void;
  revoking: boolean;
}) {
  const t = useT();
  const theme = useTheme();
  const language = useLanguageStore((s) => s.language);
  return (
    <View
      testID={`session-${session.id}`}
      style={[styles.row, { borderColor: session.current ? theme.primary : theme.border }]}
    >
      <View style={styles.rowHeader}>
        <Text style={[styles.device, { color: theme.text }]}>{deviceLabel(t, device)}</Text>
        {session.current ? (
          <Text style={[styles.current, { color: theme.primary }]}>{t('sessions.current')}</Text>
        ) : null}
      </View>
      <Text style={{ color: theme.muted }}>
        {t('sessions.createdAt', { date: formatDate(session.created_at, language) })}
      </Text>
      <Text style={{ color: theme.muted }}>
        {t('sessions.persona', {
          persona: t(session.persona === 'shadow' ? 'persona.shadow' : 'persona.real'),
        })}
      </Text>
      {session.current ? null : (
        <Button
          label={t('sessions.revoke')}
          variant="secondary"
          busy={revoking}
          onPress={() => onRevoke(session.id)}
        />
      )}
    </View>
  );
}

/** "Devices & sessions" on the own profile: where the account is signed in, and a way to end it. */
export function SessionsSection() {
  const t = useT();
  const theme = useTheme();
  const sessions = useSessions();
  // Only names the device; the list still renders if this fails.
  const devices = useDevices();
  const revoke = useRevokeSession();
  const byId = new Map((devices.data?.items ?? []).map((d) => [d.id, d]));

  return (
    <View style={styles.section} testID="sessions-section">
      <Text accessibilityRole="header" style={[styles.title, { color: theme.text }]}>
        {t('sessions.title')}
      </Text>
      {sessions.isPending ? <Text style={{ color: theme.muted }}>{t('common.loading')}</Text> : null}
      {sessions.isError ? (
        <>
          <Text accessibilityRole="alert" style={{ color: theme.danger }}>
            {t('sessions.loadFailed', { message: errorMessage(sessions.error) })}
          </Text>
          <Button label={t('common.retry')} variant="secondary" onPress={() => void sessions.refetch()} />
        </>
      ) : null}
      {sessions.data?.items.length === 0 ? (
        <Text style={{ color: theme.muted }}>{t('sessions.empty')}</Text>
      ) : null}
      {sessions.data?.items.map((session) => (
        <SessionRow
          key={session.id}
          session={session}
          device={session.device_id ? byId.get(session.device_id) : undefined}
          onRevoke={(id) => revoke.mutate(id)}
          revoking={revoke.isPending && revoke.variables === session.id}
        />
      ))}
      {revoke.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('sessions.revokeFailed', { message: errorMessage(revoke.error) })}
        </Text>
      ) : null}
    </View>
  );
}

const styles = StyleSheet.create({
  section: { gap: 10 },
  title: { fontSize: 18, fontWeight: '700' },
  row: { borderWidth: 1, borderRadius: 12, padding: 14, gap: 4 },
  rowHeader: { flexDirection: 'row', justifyContent: 'space-between', alignItems: 'center', gap: 8 },
  device: { fontSize: 16, fontWeight: '600' },
  current: { fontSize: 13, fontWeight: '700', textTransform: 'uppercase', letterSpacing: 1 },
});
