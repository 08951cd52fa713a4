import type { ConversationTimer } from '@ipelya/contracts';
import { StyleSheet, Text, View } from 'react-native';
import { useT } from '../i18n/i18n';
import { timerLabel } from '../lib/message-format';
import { TIMERS } from '../state/queries/conversations';
import { useTheme } from '../theme/theme';
import { Button } from './button';

/** The self-destruct choices of a conversation; applies to messages sent from now on. */
export function TimerPicker({
  current,
  busy,
  onPick,
}: {
  current: ConversationTimer;
  busy: boolean;
  onPick: (timer: ConversationTimer) => void;
}) {
  const t = useT();
  const theme = useTheme();
  return (
    <View
      testID="timer-picker"
      style={[styles.panel, { borderColor: theme.border, backgroundColor: theme.surface }]}
    >
      <Text style={[styles.title, { color: theme.text }]}>{t('chat.timerTitle')}</Text>
      <View style={styles.options}>
        {TIMERS.map((timer) => (
          <View key={timer} style={styles.option}>
            <Button
              testID={`timer-${timer}`}
              label={timerLabel(t, timer)}
              variant={timer === current ? 'primary' : 'secondary'}
              selected={timer === current}
              disabled={busy}
              onPress={() => onPick(timer)}
            />
          </View>
        ))}
      </View>
    </View>
  );
}

const styles = StyleSheet.create({
  panel: { borderWidth: 1, borderRadius: 12, padding: 12, gap: 8 },
  title: { fontSize: 15, fontWeight: '700' },
  options: { flexDirection: 'row', flexWrap: 'wrap', gap: 6 },
  option: { flexBasis: '30%', flexGrow: 1 },
});
