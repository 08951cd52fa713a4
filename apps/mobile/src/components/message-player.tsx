import type { Message } from '@ipelya/contracts';
import { useAudioPlayer, useAudioPlayerStatus } from 'expo-audio';
import { useVideoPlayer, VideoView } from 'expo-video';
import { useEffect, useState } from 'react';
import { ActivityIndicator, Pressable, StyleSheet, Text, View } from 'react-native';
import { useT } from '../i18n/i18n';
import { formatClock as clock } from '../lib/message-format';
import { useMediaUrl } from '../state/queries/messages';
import { useTheme } from '../theme/theme';

/**
 * Inline video. No fullscreen and no picture-in-picture: both leave the chat's window, which the
 * capture guard (FLAG_SECURE on Android) does not cover.
 */
function InlineVideo({ id, uri }: { id: string; uri: string }) {
  const t = useT();
  const player = useVideoPlayer(uri, (p) => p.play());
  return (
    <VideoView
      testID={`message-video-${id}`}
      accessibilityLabel={t('messages.preview.video')}
      player={player}
      nativeControls
      contentFit="contain"
      fullscreenOptions={{ enable: false }}
      allowsPictureInPicture={false}
      startsPictureInPictureAutomatically={false}
      style={styles.video}
    />
  );
}

function InlineAudio({ id, uri, color }: { id: string; uri: string; color: string }) {
  const t = useT();
  const player = useAudioPlayer(uri);
  const status = useAudioPlayerStatus(player);
  useEffect(() => {
    player.play();
  }, [player]);
  const finished = status.duration > 0 && status.currentTime >= status.duration;
  const toggle = () => {
    if (status.playing) {
      player.pause();
      return;
    }
    if (finished) void player.seekTo(0);
    player.play();
  };
  return (
    <Pressable
      testID={`audio-toggle-${id}`}
      accessibilityRole="button"
      accessibilityLabel={t(status.playing ? 'chat.pauseAudio' : 'chat.playAudio')}
      onPress={toggle}
      style={styles.audio}
    >
      <Text style={[styles.control, { color }]}>{status.playing ? '❚❚' : '▶'}</Text>
      <Text testID={`audio-time-${id}`} style={{ color }}>
        {clock(status.currentTime)} / {clock(status.duration)}
      </Text>
    </Pressable>
  );
}

/**
 * A voice or video message. Nothing is fetched until the user presses play: then a short-lived URL
 * is asked for and played in place.
 */
export function MessagePlayer({
  message,
  mediaId,
  mine,
}: {
  message: Message & { kind: 'audio' | 'video' };
  mediaId: string;
  mine: boolean;
}) {
  const t = useT();
  const theme = useTheme();
  const [started, setStarted] = useState(false);
  const url = useMediaUrl(mediaId, started);
  const color = mine ? theme.primaryText : theme.text;
  const audio = message.kind === 'audio';

  if (!started) {
    return (
      <Pressable
        testID={`play-${message.id}`}
        accessibilityRole="button"
        accessibilityLabel={t(audio ? 'chat.playAudio' : 'chat.playVideo')}
        onPress={() => setStarted(true)}
        style={styles.audio}
      >
        <Text style={[styles.control, { color }]}>▶</Text>
        <Text style={{ color }}>{t(`messages.preview.${message.kind}`)}</Text>
      </Pressable>
    );
  }
  if (url.isPending) {
    return (
      <View style={audio ? styles.audio : [styles.video, styles.center, { backgroundColor: theme.border }]}>
        <ActivityIndicator color={theme.primary} accessibilityLabel={t('common.loading')} />
      </View>
    );
  }
  if (url.isError) {
    return (
      <Pressable
        testID={`play-failed-${message.id}`}
        accessibilityRole="button"
        accessibilityLabel={t('chat.mediaRetry')}
        onPress={() => void url.refetch()}
      >
        <Text style={[styles.italic, { color }]}>{t('chat.mediaFailed')}</Text>
      </Pressable>
    );
  }
  return audio ? (
    <InlineAudio id={message.id} uri={url.data.url} color={color} />
  ) : (
    <InlineVideo id={message.id} uri={url.data.url} />
  );
}

const styles = StyleSheet.create({
  audio: { flexDirection: 'row', alignItems: 'center', gap: 8, minHeight: 32 },
  control: { fontSize: 18, fontWeight: '700', minWidth: 22 },
  video: { width: 240, height: 180, borderRadius: 10, overflow: 'hidden' },
  center: { alignItems: 'center', justifyContent: 'center' },
  italic: { fontStyle: 'italic' },
});
