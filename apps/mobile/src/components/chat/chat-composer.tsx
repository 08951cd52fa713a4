import { useRef, useState } from 'react';
import { Pressable, StyleSheet, Text, TextInput, View } from 'react-native';
import { useT } from '../../i18n/i18n';
import { composeMessage, type PriceProblem, parsePrice } from '../../lib/paid-message';
import { useRealtimeChannel } from '../../lib/realtime-channel';
import { useSendMessage } from '../../state/queries/messages';
import { useTheme } from '../../theme/theme';
import { Button } from '../button';
import { errorMessage } from '../status-views';

// Typing is announced at most this often while the caller types.
const TYPING_SEND_MS = 2000;

/** The message input; a creator may put a price on the next message. */
export function ChatComposer({ conversationId, isCreator }: { conversationId: string; isCreator: boolean }) {
  const t = useT();
  const theme = useTheme();
  const channel = useRealtimeChannel();
  const send = useSendMessage(conversationId);
  const [text, setText] = useState('');
  // The price a creator typed for the next message; null while the next message is free.
  const [price, setPrice] = useState<string | null>(null);
  const [problem, setProblem] = useState<PriceProblem | null>(null);
  const lastTyping = useRef(0);
  const body = text.trim();
  const paid = isCreator && price !== null;
  const priced = paid ? parsePrice(price) : null;
  const shownPrice = priced?.ok ? priced.coins : null;

  const onChange = (value: string) => {
    setText(value);
    const now = Date.now();
    if (value && now - lastTyping.current > TYPING_SEND_MS) {
      lastTyping.current = now;
      channel?.send({ type: 'typing', conversation_id: conversationId });
    }
  };
  const togglePrice = () => {
    setProblem(null);
    setPrice((p) => (p === null ? '' : null));
  };
  const onPriceChange = (value: string) => {
    setProblem(null);
    setPrice(value);
  };
  const submit = () => {
    if (!body || send.isPending) return;
    const composed = composeMessage({ body, price: paid ? price : null });
    if (!composed.ok) {
      setProblem(composed.problem);
      return;
    }
    // A price applies to one message: the next one is free again unless the creator sets one.
    send.mutate(composed.input, {
      onSuccess: () => {
        setText('');
        setPrice(null);
      },
    });
  };

  return (
    <View style={[styles.composer, { borderColor: theme.border }]}>
      {send.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('chat.sendFailed', { message: errorMessage(send.error) })}
        </Text>
      ) : null}
      {paid ? (
        <View testID="chat-price-panel" style={[styles.pricePanel, { borderColor: theme.primary }]}>
          <View style={styles.row}>
            <Text style={{ color: theme.text }}>{t('chat.priceLabel')}</Text>
            <TextInput
              testID="chat-price-input"
              accessibilityLabel={t('chat.priceA11y')}
              placeholder={t('chat.pricePlaceholder')}
              placeholderTextColor={theme.muted}
              value={price ?? ''}
              onChangeText={onPriceChange}
              keyboardType="number-pad"
              inputMode="numeric"
              maxLength={9}
              style={[styles.input, { borderColor: theme.border, color: theme.text }]}
            />
          </View>
          <Text testID="chat-price-notice" style={{ color: theme.primary }}>
            {shownPrice ? t('chat.priceNotice', { price: shownPrice }) : t('chat.priceHint')}
          </Text>
          {problem ? (
            <Text testID="chat-price-error" accessibilityRole="alert" style={{ color: theme.danger }}>
              {t(`chat.priceProblem.${problem}`)}
            </Text>
          ) : null}
        </View>
      ) : null}
      <View style={styles.row}>
        {isCreator ? (
          <Pressable
            testID="chat-price-toggle"
            accessibilityRole="switch"
            accessibilityLabel={t('chat.priceToggleA11y')}
            accessibilityState={{ checked: paid, disabled: send.isPending }}
            disabled={send.isPending}
            onPress={togglePrice}
            style={[
              styles.priceToggle,
              { borderColor: theme.primary, backgroundColor: paid ? theme.primary : 'transparent' },
            ]}
          >
            <Text style={{ color: paid ? theme.primaryText : theme.primary }}>{t('chat.priceToggle')}</Text>
          </Pressable>
        ) : null}
        <TextInput
          testID="chat-input"
          accessibilityLabel={t('chat.placeholder')}
          placeholder={paid ? t('chat.paidPlaceholder') : t('chat.placeholder')}
          placeholderTextColor={theme.muted}
          value={text}
          onChangeText={onChange}
          onSubmitEditing={submit}
          maxLength={4000}
          multiline
          style={[styles.input, { borderColor: theme.border, color: theme.text }]}
        />
        <Button
          testID="chat-send"
          label={paid ? t('chat.sendPaid') : t('chat.send')}
          busy={send.isPending}
          disabled={!body}
          onPress={submit}
        />
      </View>
    </View>
  );
}

const styles = StyleSheet.create({
  row: { flexDirection: 'row', alignItems: 'center', gap: 8 },
  composer: { borderTopWidth: 1, paddingVertical: 8, gap: 6 },
  pricePanel: { borderWidth: 1, borderRadius: 10, padding: 8, gap: 6 },
  priceToggle: { borderWidth: 1, borderRadius: 999, paddingHorizontal: 10, paddingVertical: 8 },
  input: {
    flex: 1,
    borderWidth: 1,
    borderRadius: 10,
    paddingHorizontal: 12,
    paddingVertical: 8,
    fontSize: 16,
    maxHeight: 120,
  },
});
