import { ApiClientError } from '@ipelya/api-client';
import type { Conversation, Message } from '@ipelya/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { Stack, useLocalSearchParams, useRouter } from 'expo-router';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  ActivityIndicator,
  FlatList,
  KeyboardAvoidingView,
  Platform,
  Pressable,
  StyleSheet,
  Text,
  TextInput,
  View,
} from 'react-native';
import { Button } from '../../components/button';
import { MessageBubble } from '../../components/message-bubble';
import { ScreenCaptureGuard } from '../../components/screen-capture-guard';
import { ErrorView, errorMessage, LoadingView } from '../../components/status-views';
import { TimerPicker } from '../../components/timer-picker';
import { ViewOnceViewer } from '../../components/view-once-viewer';
import { useAppActive, useNow } from '../../hooks/use-now';
import { useT } from '../../i18n/i18n';
import { timerLabel } from '../../lib/message-format';
import { visibleMessages } from '../../lib/message-window';
import { composeMessage, type PriceProblem, parsePrice } from '../../lib/paid-message';
import { useRealtimeChannel, useRealtimeEvents } from '../../lib/realtime-channel';
import {
  useConversation,
  useRespondToConversation,
  useSetConversationTimer,
} from '../../state/queries/conversations';
import { useMe } from '../../state/queries/me';
import {
  messagesKey,
  useMarkRead,
  useMessages,
  useOpenViewOnce,
  useSendMessage,
  type ViewOnceOpen,
} from '../../state/queries/messages';
import { useTheme } from '../../theme/theme';

// The server sends typing at most every 2 s; the indicator outlives one gap.
const TYPING_SHOW_MS = 5000;
const TYPING_SEND_MS = 2000;

function RequestBar({ conversation, onGone }: { conversation: Conversation; onGone: () => void }) {
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

function Composer({ conversationId, isCreator }: { conversationId: string; isCreator: boolean }) {
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

export default function ChatScreen() {
  const t = useT();
  const theme = useTheme();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { id: rawId } = useLocalSearchParams<{ id: string }>();
  const id = String(rawId ?? '');
  const conversation = useConversation(id);
  const messages = useMessages(id);
  const me = useMe();
  const myId = me.data?.active_profile.id;
  const markRead = useMarkRead(id);
  const setTimer = useSetConversationTimer(id);
  const openViewOnce = useOpenViewOnce(id);
  const appActive = useAppActive();
  const [viewing, setViewing] = useState<ViewOnceOpen | null>(null);
  const opening = useRef(new Set<string>());
  const [pickerOpen, setPickerOpen] = useState(false);
  const [typingUntil, setTypingUntil] = useState(0);
  // The handle of who took a screenshot of this chat ('' when their account is hidden from us).
  const [screenshotBy, setScreenshotBy] = useState<string | null>(null);

  const c = conversation.data;
  const other = c?.other ?? null;
  const items = messages.data?.items ?? [];
  const expiring = items.some((m) => m.expires_at);
  const now = useNow(expiring || typingUntil > 0);
  const visible = visibleMessages(messages.data, now);

  const { catchUpMissed, refetch } = messages;
  useRealtimeEvents((event) => {
    if (event.type === 'open') {
      void catchUpMissed();
    } else if (event.type === 'typing') {
      if (event.conversation_id === id && event.profile_id !== myId)
        setTypingUntil(Date.now() + TYPING_SHOW_MS);
    } else if (event.type === 'message') {
      if (event.message.conversation_id === id && event.message.sender_id !== myId) setTypingUntil(0);
    } else if (event.type === 'read') {
      // The other side read: with the after-read timer, our messages now have a countdown.
      if (
        event.read.conversation_id === id &&
        event.read.profile_id === other?.id &&
        c?.timer === '30s_after_read'
      )
        void queryClient.invalidateQueries({ queryKey: messagesKey(id), exact: true });
    } else if (event.type === 'notification') {
      const n = event.notification;
      // Only a screenshot of this chat: the notice names the conversation it was taken in (a profile
      // or post screenshot by the same person carries none).
      if (n.kind === 'screenshot' && n.conversation_id === id)
        setScreenshotBy(n.actor?.handle ?? other?.handle ?? '');
    }
  });

  useEffect(() => {
    if (typingUntil === 0) return;
    const timer = setTimeout(() => setTypingUntil(0), Math.max(0, typingUntil - Date.now()));
    return () => clearTimeout(timer);
  }, [typingUntil]);

  // Back in the foreground: reload, so whatever the server deleted meanwhile disappears.
  const wasActive = useRef(appActive);
  useEffect(() => {
    if (appActive && !wasActive.current) void refetch();
    wasActive.current = appActive;
  }, [appActive, refetch]);

  // Read receipts only while the chat is on screen, and never for a request not yet accepted.
  const newestIncoming = [...visible].reverse().find((m) => m.sender_id !== myId);
  const marked = useRef<string | null>(null);
  const { mutate: mark } = markRead;
  useEffect(() => {
    if (!newestIncoming || !myId || !c || c.state !== 'active' || !appActive) return;
    if (marked.current === newestIncoming.id) return;
    marked.current = newestIncoming.id;
    if (c.last_read_at && Date.parse(c.last_read_at) >= Date.parse(newestIncoming.created_at)) return;
    mark();
  }, [newestIncoming, myId, c, appActive, mark]);

  const closeViewer = useCallback(() => setViewing(null), []);
  const leave = useCallback(() => {
    if (router.canGoBack()) router.back();
    else router.replace('/messages');
  }, [router]);

  if (conversation.isPending || messages.isPending) return <LoadingView />;
  const failure = conversation.error ?? messages.error;
  if (failure || !c) {
    const notFound = failure instanceof ApiClientError && failure.status === 404;
    return (
      <ErrorView
        message={notFound ? t('chat.notFound') : t('common.error', { message: errorMessage(failure) })}
        onRetry={
          notFound
            ? undefined
            : () => {
                void conversation.refetch();
                void messages.refetch();
              }
        }
      />
    );
  }

  const newestFirst = [...visible].reverse();
  const mineLast = newestFirst.find((m) => m.sender_id === myId);
  const seenId =
    mineLast && c.other_last_read_at && Date.parse(c.other_last_read_at) >= Date.parse(mineLast.created_at)
      ? mineLast.id
      : null;
  const open = (message: Message) => {
    // One request per message, even for taps landing before the re-render that disables the button;
    // a failure other than 410 (network) may be tried again.
    if (openViewOnce.isPending || opening.current.has(message.id)) return;
    opening.current.add(message.id);
    openViewOnce.mutate(message, {
      onSuccess: (media) => setViewing(media),
      onError: () => opening.current.delete(message.id),
    });
  };
  const timer = c.timer ?? 'off';

  return (
    <KeyboardAvoidingView
      style={[styles.screen, { backgroundColor: theme.background }]}
      behavior={Platform.OS === 'ios' ? 'padding' : undefined}
      keyboardVerticalOffset={90}
    >
      <Stack.Screen options={{ title: other ? `@${other.handle}` : '', headerShown: !viewing }} />
      <ScreenCaptureGuard
        guardKey={`chat:${id}`}
        report={{ context: 'chat', targetId: id }}
        notice="chat.screenshotNotice"
      />
      {screenshotBy !== null ? (
        <View
          testID="chat-screenshot-banner"
          accessibilityRole="alert"
          style={[styles.banner, { backgroundColor: theme.surface, borderColor: theme.danger }]}
        >
          <Text style={[styles.flex, { color: theme.danger }]}>
            {screenshotBy ? t('chat.screenshotBy', { handle: screenshotBy }) : t('chat.screenshotByOther')}
          </Text>
          <Pressable accessibilityRole="button" onPress={() => setScreenshotBy(null)}>
            <Text style={{ color: theme.muted }}>{t('chat.dismiss')}</Text>
          </Pressable>
        </View>
      ) : null}
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
      {openViewOnce.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('chat.viewOnceFailed', { message: errorMessage(openViewOnce.error) })}
        </Text>
      ) : null}
      <FlatList
        testID="chat-messages"
        style={styles.flex}
        inverted
        data={newestFirst}
        keyExtractor={(m) => m.id}
        renderItem={({ item }) => (
          <MessageBubble
            message={item}
            mine={item.sender_id === myId}
            now={now}
            seen={item.id === seenId}
            viewOnce={messages.data?.opened[item.id]}
            opening={openViewOnce.isPending && openViewOnce.variables?.id === item.id}
            onOpenViewOnce={open}
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
      {typingUntil > now && other ? (
        <Text testID="typing-indicator" style={[styles.typing, { color: theme.muted }]}>
          {t('chat.typing', { name: other.display_name || `@${other.handle}` })}
        </Text>
      ) : null}
      {c.state === 'request' ? (
        <RequestBar conversation={c} onGone={leave} />
      ) : c.state === 'active' && other ? (
        <Composer conversationId={id} isCreator={me.data?.active_profile.is_creator === true} />
      ) : (
        <Text style={[styles.closed, { color: theme.muted }]}>{t('chat.closed')}</Text>
      )}
      {viewing ? <ViewOnceViewer media={viewing} onClose={closeViewer} /> : null}
    </KeyboardAvoidingView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, paddingHorizontal: 12, paddingTop: 8, gap: 6 },
  flex: { flex: 1 },
  row: { flexDirection: 'row', alignItems: 'center', gap: 8 },
  bar: { borderTopWidth: 1, paddingVertical: 10, gap: 8 },
  banner: {
    flexDirection: 'row',
    alignItems: 'center',
    gap: 8,
    borderWidth: 1,
    borderRadius: 10,
    padding: 10,
  },
  timer: {
    borderWidth: 1,
    borderRadius: 999,
    paddingHorizontal: 12,
    paddingVertical: 5,
    alignSelf: 'center',
  },
  typing: { fontStyle: 'italic', paddingHorizontal: 4 },
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
  closed: { textAlign: 'center', padding: 12 },
});
