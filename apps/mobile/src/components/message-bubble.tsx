import type { Message } from '@ipelya/contracts';
import { useRef } from 'react';
import { ActivityIndicator, Image, Pressable, StyleSheet, Text, View } from 'react-native';
import { useT } from '../i18n/i18n';
import { formatRemaining, messagePreview } from '../lib/message-format';
import { useMediaUrl, useUnlockMessage } from '../state/queries/messages';
import { useTheme } from '../theme/theme';
import { Button } from './button';
import { MessagePlayer } from './message-player';
import { SpendError } from './spend-error';

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
  // Opening spends the only view: not for anything the viewer cannot display (the server only seals
  // photos, voice and video).
  if (message.kind !== 'image' && message.kind !== 'audio' && message.kind !== 'video') {
    return <Text style={[styles.italic, { color }]}>{t('chat.viewOnceUnsupported')}</Text>;
  }
  const label =
    message.kind === 'audio'
      ? t('chat.viewOnceOpenAudio')
      : message.kind === 'video'
        ? t('chat.viewOnceOpenVideo')
        : t('chat.viewOnceOpen');
  // The media itself is never fetched here: only the one open the server allows shows (or plays) it.
  return (
    <Pressable
      testID={`view-once-${message.id}`}
      accessibilityRole="button"
      accessibilityLabel={t('chat.viewOnceOpenA11y')}
      accessibilityState={{ busy: opening, disabled: opening }}
      disabled={opening}
      onPress={onOpen}
    >
      <Text style={[styles.strong, { color: theme.primary }]}>{label}</Text>
    </Pressable>
  );
}

/** A paid message the reader has not unlocked: its price, and for the recipient the way to pay. */
function LockedBody({ message, mine }: { message: Message; mine: boolean }) {
  const t = useT();
  const theme = useTheme();
  const unlock = useUnlockMessage(message);
  const price = message.price_coins ?? 0;
  const color = mine ? theme.primaryText : theme.text;
  return (
    <View style={styles.locked}>
      <Text testID={`locked-${message.id}`} style={{ color }}>
        {t('chat.locked', { price })}
      </Text>
      {mine ? null : (
        <>
          <Button
            testID={`unlock-message-${message.id}`}
            label={unlock.isPending ? t('unlock.busy') : t('unlock.button', { price })}
            busy={unlock.isPending}
            onPress={unlock.unlock}
          />
          {unlock.isError ? <SpendError error={unlock.error} /> : null}
        </>
      )}
    </View>
  );
}

/**
 * An ordinary photo message, shown inline (the chat screen is capture-guarded). The signed URL is
 * short-lived: a load failure (an expired URL) asks for a fresh one once.
 */
function MessageImage({ message, mediaId, mine }: { message: Message; mediaId: string; mine: boolean }) {
  const t = useT();
  const theme = useTheme();
  const url = useMediaUrl(mediaId);
  const retriedFor = useRef<string | null>(null);
  const color = mine ? theme.primaryText : theme.text;
  if (url.isPending) {
    return (
      <View style={[styles.image, styles.center, { backgroundColor: theme.border }]}>
        <ActivityIndicator color={theme.primary} accessibilityLabel={t('chat.imageLoading')} />
      </View>
    );
  }
  if (url.isError) {
    return (
      <Pressable
        testID={`message-image-failed-${message.id}`}
        accessibilityRole="button"
        accessibilityLabel={t('chat.imageRetry')}
        onPress={() => void url.refetch()}
      >
        <Text style={[styles.italic, { color }]}>{t('chat.imageFailed')}</Text>
      </Pressable>
    );
  }
  const uri = url.data.url;
  return (
    <Image
      testID={`message-image-${message.id}`}
      source={{ uri }}
      resizeMode="cover"
      style={styles.image}
      accessibilityLabel={t('messages.preview.image')}
      accessibilityIgnoresInvertColors
      onError={() => {
        if (retriedFor.current === uri) return;
        retriedFor.current = uri;
        void url.refetch();
      }}
    />
  );
}

function MessageContent({ message, mine }: { message: Message; mine: boolean }) {
  const t = useT();
  const theme = useTheme();
  const color = mine ? theme.primaryText : theme.text;
  const paid = message.price_coins ? (
    <Text style={[styles.small, { color, opacity: 0.8 }]}>
      {t('chat.paid', { price: message.price_coins })}
    </Text>
  ) : null;
  if (message.kind === 'image' && message.media_id) {
    return (
      <>
        <MessageImage message={message} mediaId={message.media_id} mine={mine} />
        {message.body ? <Text style={{ color }}>{message.body}</Text> : null}
        {paid}
      </>
    );
  }
  if ((message.kind === 'audio' || message.kind === 'video') && message.media_id) {
    return (
      <>
        <MessagePlayer message={{ ...message, kind: message.kind }} mediaId={message.media_id} mine={mine} />
        {message.body ? <Text style={{ color }}>{message.body}</Text> : null}
        {paid}
      </>
    );
  }
  return (
    <>
      <Text style={{ color }}>{messagePreview(t, message)}</Text>
      {paid}
    </>
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
          <LockedBody message={message} mine={mine} />
        ) : (
          <MessageContent message={message} mine={mine} />
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
  locked: { gap: 8 },
  image: { width: 220, height: 220, borderRadius: 10 },
  center: { alignItems: 'center', justifyContent: 'center' },
});
