import type { Message } from '@ipelya/contracts';
import { ActivityIndicator, FlatList, StyleSheet, Text } from 'react-native';
import type { useChat } from '../../hooks/use-chat';
import { useT } from '../../i18n/i18n';
import { useTheme } from '../../theme/theme';
import { MessageBubble } from '../message-bubble';

type Chat = ReturnType<typeof useChat>;

/** The message window, newest at the bottom (inverted), loading older ones on scroll; then who is typing. */
export function ChatMessages({
  chat,
  openingId,
  onOpenViewOnce,
}: {
  chat: Chat;
  openingId: string | null;
  onOpenViewOnce: (message: Message) => void;
}) {
  const t = useT();
  const theme = useTheme();
  const { messages, myId, now, seenId } = chat;
  const other = chat.conversation.data?.other;
  return (
    <>
      <FlatList
        testID="chat-messages"
        style={styles.flex}
        inverted
        data={chat.newestFirst}
        keyExtractor={(m) => m.id}
        renderItem={({ item }) => (
          <MessageBubble
            message={item}
            mine={item.sender_id === myId}
            now={now}
            seen={item.id === seenId}
            viewOnce={messages.data?.opened[item.id]}
            opening={openingId === item.id}
            onOpenViewOnce={onOpenViewOnce}
          />
        )}
        onEndReachedThreshold={0.3}
        onEndReached={() => void messages.loadOlder()}
        ListFooterComponent={
          messages.loadingOlder ? (
            <ActivityIndicator color={theme.primary} accessibilityLabel={t('chat.loadingOlder')} />
          ) : null
        }
      />
      {chat.typing && other ? (
        <Text testID="typing-indicator" style={[styles.typing, { color: theme.muted }]}>
          {t('chat.typing', { name: other.display_name || `@${other.handle}` })}
        </Text>
      ) : null}
    </>
  );
}

const styles = StyleSheet.create({
  flex: { flex: 1 },
  typing: { fontStyle: 'italic', paddingHorizontal: 4 },
});
