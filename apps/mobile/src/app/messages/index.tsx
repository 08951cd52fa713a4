import type { Conversation } from '@ipelya/contracts';
import { useRouter } from 'expo-router';
import { type ReactNode, useState } from 'react';
import { FlatList, Pressable, StyleSheet, Text, View } from 'react-native';
import { Button } from '../../components/button';
import { usePersonaLabel } from '../../components/persona-badge';
import { RequestActions } from '../../components/request-actions';
import { ScreenCaptureGuard } from '../../components/screen-capture-guard';
import { ErrorView, errorMessage, LoadingView } from '../../components/status-views';
import { useT } from '../../i18n/i18n';
import { messagePreview } from '../../lib/message-format';
import { useConversations, useRespondToConversation } from '../../state/queries/conversations';
import { useMe } from '../../state/queries/me';
import { useTheme } from '../../theme/theme';

type Tab = 'chats' | 'requests';

function displayName(c: Conversation, fallback: string): string {
  return c.other?.display_name || fallback;
}

function ConversationRow({
  conversation,
  myId,
  children,
}: {
  conversation: Conversation;
  myId: string | undefined;
  children?: ReactNode;
}) {
  const t = useT();
  const theme = useTheme();
  const router = useRouter();
  const last = conversation.last_message;
  const name = displayName(conversation, t('messages.unknownUser'));
  const preview = last
    ? last.sender_id === myId
      ? t('messages.you', { text: messagePreview(t, last) })
      : messagePreview(t, last)
    : t('messages.noMessages');
  return (
    <View testID={`conversation-${conversation.id}`} style={[styles.row, { borderColor: theme.border }]}>
      <Pressable
        accessibilityRole="link"
        accessibilityLabel={name}
        onPress={() => router.push({ pathname: '/messages/[id]', params: { id: conversation.id } })}
        style={styles.rowMain}
      >
        <View style={styles.flex}>
          <View style={styles.names}>
            <Text style={[styles.name, { color: theme.text }]}>{name}</Text>
            {conversation.other ? (
              <Text style={{ color: theme.muted }}>@{conversation.other.handle}</Text>
            ) : null}
          </View>
          <Text
            testID={`preview-${conversation.id}`}
            numberOfLines={1}
            style={{ color: conversation.unread_count > 0 ? theme.text : theme.muted }}
          >
            {preview}
          </Text>
        </View>
        {conversation.unread_count > 0 ? (
          <View
            testID={`unread-${conversation.id}`}
            accessibilityLabel={t('messages.unread', { count: conversation.unread_count })}
            style={[styles.unread, { backgroundColor: theme.primary }]}
          >
            <Text style={[styles.unreadText, { color: theme.primaryText }]}>{conversation.unread_count}</Text>
          </View>
        ) : null}
      </Pressable>
      {children}
    </View>
  );
}

export default function MessagesScreen() {
  const t = useT();
  const theme = useTheme();
  const persona = usePersonaLabel();
  const me = useMe();
  const list = useConversations();
  const respond = useRespondToConversation();
  const [tab, setTab] = useState<Tab>('chats');

  if (list.isPending) return <LoadingView />;
  if (list.isError) {
    return (
      <ErrorView
        message={t('common.error', { message: errorMessage(list.error) })}
        onRetry={() => list.refetch()}
      />
    );
  }

  const { conversations, requests } = list.data;
  const myId = me.data?.active_profile.id;
  const items = tab === 'chats' ? conversations : requests;

  return (
    <View style={[styles.screen, { backgroundColor: theme.background }]}>
      {/* Who talks to whom is private, more so for the shadow persona. */}
      <ScreenCaptureGuard guardKey="messages" />
      <Text testID="messages-persona" style={[styles.caption, { color: theme.muted }]}>
        {t('messages.personaCaption', { persona })}
      </Text>
      <View style={styles.tabs} accessibilityRole="tablist">
        {(['chats', 'requests'] as const).map((key) => (
          <View key={key} style={styles.flex}>
            <Button
              testID={`tab-${key}`}
              label={
                key === 'chats'
                  ? t('messages.tabChats')
                  : t('messages.tabRequests', { count: requests.length })
              }
              variant={tab === key ? 'primary' : 'secondary'}
              selected={tab === key}
              onPress={() => setTab(key)}
            />
          </View>
        ))}
      </View>
      {tab === 'requests' && requests.length > 0 ? (
        <Text style={{ color: theme.muted }}>{t('messages.requestHint')}</Text>
      ) : null}
      {respond.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('messages.respondFailed', { message: errorMessage(respond.error) })}
        </Text>
      ) : null}
      <FlatList
        testID={tab === 'chats' ? 'conversation-list' : 'request-list'}
        data={items}
        keyExtractor={(c) => c.id}
        onRefresh={() => void list.refetch()}
        refreshing={false}
        renderItem={({ item }) => (
          <ConversationRow conversation={item} myId={myId}>
            {tab === 'requests' ? (
              <RequestActions
                name={displayName(item, t('messages.unknownUser'))}
                busy={respond.isPending}
                onAct={(action) => respond.mutate({ id: item.id, action })}
                style={styles.actions}
              />
            ) : null}
          </ConversationRow>
        )}
        ListEmptyComponent={
          <Text style={[styles.empty, { color: theme.muted }]}>
            {tab === 'chats' ? t('messages.empty') : t('messages.noRequests')}
          </Text>
        }
      />
    </View>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, padding: 16, gap: 10 },
  caption: { fontSize: 13, fontWeight: '600' },
  tabs: { flexDirection: 'row', gap: 8 },
  row: { borderBottomWidth: 1, paddingVertical: 12, gap: 10 },
  rowMain: { flexDirection: 'row', alignItems: 'center', gap: 10 },
  flex: { flex: 1 },
  names: { flexDirection: 'row', alignItems: 'baseline', gap: 6 },
  name: { fontSize: 16, fontWeight: '700' },
  unread: { minWidth: 24, borderRadius: 12, paddingHorizontal: 7, paddingVertical: 2, alignItems: 'center' },
  unreadText: { fontSize: 13, fontWeight: '800' },
  actions: { flexDirection: 'row', gap: 6 },
  empty: { padding: 24, textAlign: 'center' },
});
