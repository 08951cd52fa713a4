import type { Message } from '@ipelya/contracts';
import { Pressable, StyleSheet, Text, View } from 'react-native';
import { useT } from '../i18n/i18n';
import { formatRemaining, messagePreview } from '../lib/message-format';
import { useTheme } from '../theme/theme';

export type ViewOnceState = 'opened' | 'already' | undefined;

function ViewOnceBody({
  message,
  mine,
  state,
  opening,
  onOpen,
}: {
  message: Message;
  mine: boolean;
  state: ViewOnceState;
  opening: boolean;
  onOpen: () => void;
}) {
  const t = useT();
  const theme = useTheme();
  const color = mine ? theme.primaryText : theme.text;
  if (mine) return <Text style={{ color }}>{t('chat.viewOnceSent')}</Text>;
  if (state) {
    return (
      <Text testID={`view-once-state-${message.id}`} style={[styles.italic, { color }]}>
        {t(state === 'opened' ? 'chat.viewOnceOpened' : 'chat.viewOnceAlready')}
      </Text>
    );
  }
  // Opening spends the only view: not for media this build cannot display.
  if (message.kind !== 'image') {
    return <Text style={[styles.italic, { color }]}>{t('chat.viewOnceUnsupported')}</Text>;
  }
  // The media itself is never fetched here: only the one open the server allows shows it.
  return (
    <Pressable
      testID={`view-once-${message.id}`}
      accessibilityRole="button"
      accessibilityLabel={t('chat.viewOnceOpenA11y')}
      accessibilityState={{ busy: opening, disabled: opening }}
      disabled={opening}
      onPress={onOpen}
    >
      <Text style={[styles.strong, { color: theme.primary }]}>{t('chat.viewOnceOpen')}</Text>
    </Pressable>
  );
}

export function MessageBubble({
  message,
  mine,
  now,
  seen,
  viewOnce,
  opening,
  onOpenViewOnce,
}: {
  message: Message;
  mine: boolean;
  now: number;
  seen: boolean;
  viewOnce: ViewOnceState;
  opening: boolean;
  onOpenViewOnce: (message: Message) => void;
}) {
  const t = useT();
  const theme = useTheme();
  const color = mine ? theme.primaryText : theme.text;
  const expiresIn = message.expires_at ? Date.parse(message.expires_at) - now : null;
  return (
    <View testID={`message-${message.id}`} style={[styles.wrap, mine ? styles.mine : styles.theirs]}>
      <View
        style={[
          styles.bubble,
          mine
            ? { backgroundColor: theme.primary }
            : { backgroundColor: theme.surface, borderColor: theme.border, borderWidth: 1 },
        ]}
      >
        {message.view_once ? (
          <ViewOnceBody
            message={message}
            mine={mine}
            state={viewOnce}
            opening={opening}
            onOpen={() => onOpenViewOnce(message)}
          />
        ) : message.locked ? (
          <Text style={{ color }}>{t('chat.locked', { price: message.price_coins ?? 0 })}</Text>
        ) : (
          <Text style={{ color }}>{messagePreview(t, message)}</Text>
        )}
        {expiresIn !== null ? (
          <Text testID={`expires-${message.id}`} style={[styles.small, { color, opacity: 0.8 }]}>
            {t('chat.expiresIn', { time: formatRemaining(t, expiresIn) })}
          </Text>
        ) : null}
      </View>
      {seen ? (
        <Text testID="seen-marker" style={[styles.small, { color: theme.muted }]}>
          {t('chat.seen')}
        </Text>
      ) : null}
    </View>
  );
}

const styles = StyleSheet.create({
  wrap: { marginVertical: 3, maxWidth: '80%', gap: 2 },
  mine: { alignSelf: 'flex-end', alignItems: 'flex-end' },
  theirs: { alignSelf: 'flex-start', alignItems: 'flex-start' },
  bubble: { borderRadius: 14, paddingVertical: 8, paddingHorizontal: 12, gap: 3 },
  small: { fontSize: 11 },
  strong: { fontWeight: '700' },
  italic: { fontStyle: 'italic' },
});
