import type { Conversation } from '@ipelya/contracts';
import { StyleSheet, Text, View } from 'react-native';
import { useT } from '../../i18n/i18n';
import { useRespondToConversation } from '../../state/queries/conversations';
import { useTheme } from '../../theme/theme';
import { type RequestAction, RequestActions } from '../request-actions';
import { errorMessage } from '../status-views';

/** Accept, decline or block a message request; `onGone` runs when the chat closes for the caller. */
export function ChatRequestBar({ conversation, onGone }: { conversation: Conversation; onGone: () => void }) {
  const t = useT();
  const theme = useTheme();
  const respond = useRespondToConversation();
  const name = conversation.other?.display_name ?? t('messages.unknownUser');
  const act = (action: RequestAction) =>
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
      <RequestActions name={name} busy={respond.isPending} onAct={act} style={styles.row} />
      {respond.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('messages.respondFailed', { message: errorMessage(respond.error) })}
        </Text>
      ) : null}
    </View>
  );
}

const styles = StyleSheet.create({
  row: { flexDirection: 'row', alignItems: 'center', gap: 8 },
  bar: { borderTopWidth: 1, paddingVertical: 10, gap: 8 },
});
