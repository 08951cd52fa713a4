import { type StyleProp, StyleSheet, View, type ViewStyle } from 'react-native';
import { useT } from '../i18n/i18n';
import { Button } from './button';

export type RequestAction = 'accept' | 'decline' | 'block';

/** Accept, decline and block buttons for a message request from `name` (the list row and the chat). */
export function RequestActions({
  name,
  busy,
  onAct,
  style,
}: {
  name: string;
  busy: boolean;
  onAct: (action: RequestAction) => void;
  style?: StyleProp<ViewStyle>;
}) {
  const t = useT();
  return (
    <View style={style}>
      <View style={styles.flex}>
        <Button
          label={t('messages.accept')}
          accessibilityLabel={t('messages.acceptA11y', { name })}
          disabled={busy}
          onPress={() => onAct('accept')}
        />
      </View>
      <View style={styles.flex}>
        <Button
          label={t('messages.decline')}
          accessibilityLabel={t('messages.declineA11y', { name })}
          variant="secondary"
          disabled={busy}
          onPress={() => onAct('decline')}
        />
      </View>
      <View style={styles.flex}>
        <Button
          label={t('messages.block')}
          accessibilityLabel={t('messages.blockA11y', { name })}
          variant="secondary"
          disabled={busy}
          onPress={() => onAct('block')}
        />
      </View>
    </View>
  );
}

const styles = StyleSheet.create({ flex: { flex: 1 } });
