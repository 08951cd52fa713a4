import type { Conversation } from '@ipelya/contracts';
import { useState } from 'react';
import { Pressable, StyleSheet, Text } from 'react-native';
import { useT } from '../../i18n/i18n';
import { timerLabel } from '../../lib/message-format';
import { useSetConversationTimer } from '../../state/queries/conversations';
import { useTheme } from '../../theme/theme';
import { errorMessage } from '../status-views';
import { TimerPicker } from '../timer-picker';

/** The chat's disappearing-message timer: a button that opens the picker, and why a change failed. */
export function ChatTimer({ conversation }: { conversation: Conversation }) {
  const t = useT();
  const theme = useTheme();
  const setTimer = useSetConversationTimer(conversation.id);
  const [pickerOpen, setPickerOpen] = useState(false);
  const timer = conversation.timer ?? 'off';
  return (
    <>
      <Pressable
        testID="timer-button"
        accessibilityRole="button"
        accessibilityLabel={t('chat.timerA11y', { timer: timerLabel(t, timer) })}
        onPress={() => setPickerOpen((v) => !v)}
        style={[styles.timer, { borderColor: theme.border }]}
      >
        <Text style={{ color: theme.muted }}>⏱ {t('chat.timer', { timer: timerLabel(t, timer) })}</Text>
      </Pressable>
      {pickerOpen ? (
        <TimerPicker
          current={timer}
          busy={setTimer.isPending}
          onPick={(next) => setTimer.mutate(next, { onSuccess: () => setPickerOpen(false) })}
        />
      ) : null}
      {setTimer.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('chat.timerFailed', { message: errorMessage(setTimer.error) })}
        </Text>
      ) : null}
    </>
  );
}

const styles = StyleSheet.create({
  timer: {
    borderWidth: 1,
    borderRadius: 999,
    paddingHorizontal: 12,
    paddingVertical: 5,
    alignSelf: 'center',
  },
});
