import { ApiClientError } from '@ipelya/api-client';
import { Stack, useLocalSearchParams, useRouter } from 'expo-router';
import { useCallback } from 'react';
import { KeyboardAvoidingView, Platform, StyleSheet, Text } from 'react-native';
import { ChatComposer } from '../../components/chat/chat-composer';
import { ChatMessages } from '../../components/chat/chat-messages';
import { ChatRequestBar } from '../../components/chat/chat-request-bar';
import { ChatScreenshotBanner } from '../../components/chat/chat-screenshot-banner';
import { ChatTimer } from '../../components/chat/chat-timer';
import { ScreenCaptureGuard } from '../../components/screen-capture-guard';
import { ErrorView, errorMessage, LoadingView } from '../../components/status-views';
import { ViewOnceViewer } from '../../components/view-once-viewer';
import { useChat } from '../../hooks/use-chat';
import { useViewOnce } from '../../hooks/use-view-once';
import { useT } from '../../i18n/i18n';
import { useTheme } from '../../theme/theme';

export default function ChatScreen() {
  const t = useT();
  const theme = useTheme();
  const router = useRouter();
  const { id: rawId } = useLocalSearchParams<{ id: string }>();
  const id = String(rawId ?? '');
  const chat = useChat(id);
  const viewOnce = useViewOnce(id);
  const { conversation, messages } = chat;
  const leave = useCallback(() => {
    if (router.canGoBack()) router.back();
    else router.replace('/messages');
  }, [router]);

  const c = conversation.data;
  if (conversation.isPending || messages.isPending) return <LoadingView />;
  const failure = conversation.error ?? messages.error;
  if (failure || !c) {
    const notFound = failure instanceof ApiClientError && failure.status === 404;
    const retry = () => {
      void conversation.refetch();
      void messages.refetch();
    };
    return (
      <ErrorView
        message={notFound ? t('chat.notFound') : t('common.error', { message: errorMessage(failure) })}
        onRetry={notFound ? undefined : retry}
      />
    );
  }

  return (
    <KeyboardAvoidingView
      style={[styles.screen, { backgroundColor: theme.background }]}
      behavior={Platform.OS === 'ios' ? 'padding' : undefined}
      keyboardVerticalOffset={90}
    >
      <Stack.Screen
        options={{ title: c.other ? `@${c.other.handle}` : '', headerShown: !viewOnce.viewing }}
      />
      <ScreenCaptureGuard
        guardKey={`chat:${id}`}
        report={{ context: 'chat', targetId: id }}
        notice="chat.screenshotNotice"
      />
      {chat.screenshotBy !== null ? (
        <ChatScreenshotBanner handle={chat.screenshotBy} onDismiss={chat.dismissScreenshot} />
      ) : null}
      <ChatTimer conversation={c} />
      {viewOnce.error ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('chat.viewOnceFailed', { message: errorMessage(viewOnce.error) })}
        </Text>
      ) : null}
      <ChatMessages chat={chat} openingId={viewOnce.openingId} onOpenViewOnce={viewOnce.open} />
      {c.state === 'request' ? (
        <ChatRequestBar conversation={c} onGone={leave} />
      ) : c.state === 'active' && c.other ? (
        <ChatComposer conversationId={id} isCreator={chat.isCreator} />
      ) : (
        <Text style={[styles.closed, { color: theme.muted }]}>{t('chat.closed')}</Text>
      )}
      {viewOnce.viewing ? <ViewOnceViewer media={viewOnce.viewing} onClose={viewOnce.close} /> : null}
    </KeyboardAvoidingView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, paddingHorizontal: 12, paddingTop: 8, gap: 6 },
  closed: { textAlign: 'center', padding: 12 },
});
