import type { BlockedProfile } from '@ipelya/contracts';
import { FlatList, StyleSheet, Text, View } from 'react-native';
import { Button } from '../../components/button';
import { usePersonaLabel } from '../../components/persona-badge';
import { ScreenCaptureGuard } from '../../components/screen-capture-guard';
import { ErrorView, errorMessage, LoadingView } from '../../components/status-views';
import { useLanguageStore, useT } from '../../i18n/i18n';
import { useBlocks, useUnblock } from '../../state/queries/blocks';
import { useTheme } from '../../theme/theme';

export default function BlockedScreen() {
  const t = useT();
  const theme = useTheme();
  const persona = usePersonaLabel();
  const language = useLanguageStore((s) => s.language);
  const blocks = useBlocks();
  const unblock = useUnblock();

  if (blocks.isPending) return <LoadingView />;
  if (blocks.isError) {
    return (
      <ErrorView
        message={t('common.error', { message: errorMessage(blocks.error) })}
        onRetry={() => blocks.refetch()}
      />
    );
  }

  const date = (iso: string) => new Date(iso).toLocaleDateString(language === 'tr' ? 'tr-TR' : 'en-GB');
  const renderItem = ({ item }: { item: BlockedProfile }) => {
    const name = item.profile.display_name || `@${item.profile.handle}`;
    return (
      <View testID={`blocked-${item.profile.id}`} style={[styles.row, { borderColor: theme.border }]}>
        <View style={styles.flex}>
          <Text style={[styles.name, { color: theme.text }]}>{item.profile.display_name}</Text>
          <Text style={{ color: theme.muted }}>@{item.profile.handle}</Text>
          <Text style={[styles.small, { color: theme.muted }]}>
            {t('blocked.since', { date: date(item.blocked_at) })}
          </Text>
        </View>
        <Button
          label={t('blocked.unblock')}
          accessibilityLabel={t('blocked.unblockA11y', { name })}
          variant="secondary"
          busy={unblock.isPending && unblock.variables === item.profile.id}
          disabled={unblock.isPending}
          onPress={() => unblock.mutate(item.profile.id)}
        />
      </View>
    );
  };

  return (
    <FlatList
      testID="blocked-list"
      style={{ backgroundColor: theme.background }}
      contentContainerStyle={styles.list}
      data={blocks.data.items}
      keyExtractor={(b) => b.profile.id}
      ListHeaderComponent={
        <View style={styles.header}>
          {/* Whom a shadow persona blocked says a lot about it. */}
          <ScreenCaptureGuard guardKey="blocked" />
          <Text testID="blocked-persona" style={{ color: theme.muted }}>
            {t('blocked.caption', { persona })}
          </Text>
          {unblock.isError ? (
            <Text accessibilityRole="alert" style={{ color: theme.danger }}>
              {t('blocked.unblockFailed', { message: errorMessage(unblock.error) })}
            </Text>
          ) : null}
        </View>
      }
      renderItem={renderItem}
      ListEmptyComponent={<Text style={{ color: theme.muted }}>{t('blocked.empty')}</Text>}
    />
  );
}

const styles = StyleSheet.create({
  list: { padding: 20, gap: 4, maxWidth: 560, width: '100%', alignSelf: 'center' },
  header: { gap: 8, marginBottom: 8 },
  row: { flexDirection: 'row', alignItems: 'center', gap: 10, paddingVertical: 10, borderBottomWidth: 1 },
  flex: { flex: 1 },
  name: { fontSize: 16, fontWeight: '600' },
  small: { fontSize: 12 },
});
