import type { Conversation } from '@ipelya/contracts';
import { StyleSheet, Text, View } from 'react-native';
import { useT } from '../../i18n/i18n';
import { useRespondToConversation } from '../../state/queries/conversations';
import { useTheme } from '../../theme/theme';
import { Button } from '../button';
import { errorMessage } from '../status-views';

/** Accept, decline or block a message request; `onGone` runs when the chat closes for the caller. */
export function ChatRequestBar({ conversation, onGone }: { conversation: Conversation; onGone: () => void }) {
  const t = useT();
  const theme = useTheme();
  const respond = useRespondToConversation();
  const name = conversation.other?.display_name ?? t('messages.unknownUser');
  const act = (action: 'accept' | 'decline' | 'block') =>
    respond.mutate(
      { id: conversation.id, action },
      {
        onSuccess: () => {
          if (action !== 'accept') onGone();
        },
      },
    );
  return (
    <View testID="request-bar" style={[styles.bar, { borderColor: theme.border }]}>
      <Text style={{ color: theme.text }}>
        {t('chat.requestBanner', { handle: conversation.other?.handle ?? '' })}
      </Text>
      <View style={styles.row}>
        <View style={styles.flex}>
          <Button
            label={t('messages.accept')}
            accessibilityLabel={t('messages.acceptA11y', { name })}
            disabled={respond.isPending}
            onPress={() => act('accept')}
          />
        </View>
        <View style={styles.flex}>
          <Button
            label={t('messages.decline')}
            accessibilityLabel={t('messages.declineA11y', { name })}
            variant="secondary"
            disabled={respond.isPending}
            onPress={() => act('decline')}
          />
        </View>
        <View style={styles.flex}>
          <Button
            label={t('messages.block')}
            accessibilityLabel={t('messages.blockA11y', { name })}
            variant="secondary"
            disabled={respond.isPending}
            onPress={() => act('block')}
          />
        </View>
      </View>
      {respond.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('messages.respondFailed', { message: errorMessage(respond.error) })}
        </Text>
      ) : null}
    </View>
  );
}

const styles = StyleSheet.create({
  flex: { flex: 1 },
  row: { flexDirection: 'row', alignItems: 'center', gap: 8 },
  bar: { borderTopWidth: 1, paddingVertical: 10, gap: 8 },
});
