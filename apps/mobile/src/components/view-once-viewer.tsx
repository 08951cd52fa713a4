import { useEvent, useEventListener } from 'expo';
import { useAudioPlayer, useAudioPlayerStatus } from 'expo-audio';
import { useVideoPlayer, VideoView } from 'expo-video';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { BackHandler, Image, Pressable, StyleSheet, Text, View } from 'react-native';
import { useAppActive } from '../hooks/use-now';
import { useT } from '../i18n/i18n';
import { formatClock } from '../lib/message-format';
import type { ViewOnceOpen } from '../state/queries/messages';
import { Button } from './button';
import { ScreenCaptureGuard } from './screen-capture-guard';

/**
 * Pause and resume only: there is no seek control, and the player is dropped (released) as soon as the
 * clip ends, so nothing can be played back again. Leaving the app pauses it (no background playback).
 */
function PlayPause({
  testID,
  playing,
  labels,
  onPress,
}: {
  testID: string;
  playing: boolean;
  labels: { play: string; pause: string };
  onPress: () => void;
}) {
  return (
    <Pressable
      testID={testID}
      accessibilityRole="button"
      accessibilityLabel={playing ? labels.pause : labels.play}
      onPress={onPress}
      style={styles.toggle}
    >
      <Text style={styles.toggleText}>{playing ? '❚❚' : '▶'}</Text>
    </Pressable>
  );
}

function OnceAudio({ uri, onFinished }: { uri: string; onFinished: () => void }) {
  const t = useT();
  const active = useAppActive();
  const player = useAudioPlayer(uri);
  const status = useAudioPlayerStatus(player);
  useEffect(() => {
    player.play();
  }, [player]);
  useEffect(() => {
    if (!active) player.pause();
  }, [active, player]);
  const done = status.didJustFinish || (status.duration > 0 && status.currentTime >= status.duration);
  useEffect(() => {
    if (done) onFinished();
  }, [done, onFinished]);
  return (
    <View style={styles.audio}>
      <Text style={styles.title}>{t('messages.preview.audio')}</Text>
      <PlayPause
        testID="view-once-audio-toggle"
        playing={status.playing}
        labels={{ play: t('chat.playAudio'), pause: t('chat.pauseAudio') }}
        onPress={() => (status.playing ? player.pause() : player.play())}
      />
      <Text testID="view-once-audio-time" style={styles.text}>
        {formatClock(status.currentTime)} / {formatClock(status.duration)}
      </Text>
    </View>
  );
}

function OnceVideo({ uri, onFinished }: { uri: string; onFinished: () => void }) {
  const t = useT();
  const active = useAppActive();
  const player = useVideoPlayer(uri, (p) => {
    p.loop = false;
    // Anything played outside this window escapes the capture guard: no background audio, no
    // now-playing controls on the lock screen, no AirPlay.
    p.staysActiveInBackground = false;
    p.showNowPlayingNotification = false;
    p.allowsExternalPlayback = false;
    p.play();
  });
  const { isPlaying } = useEvent(player, 'playingChange', { isPlaying: player.playing });
  useEventListener(player, 'playToEnd', onFinished);
  useEffect(() => {
    if (!active) player.pause();
  }, [active, player]);
  return (
    <>
      <VideoView
        testID="view-once-video"
        accessibilityLabel={t('messages.preview.video')}
        player={player}
        nativeControls={false}
        requiresLinearPlayback
        contentFit="contain"
        fullscreenOptions={{ enable: false }}
        allowsPictureInPicture={false}
        startsPictureInPictureAutomatically={false}
        style={styles.media}
      />
      <PlayPause
        testID="view-once-video-toggle"
        playing={isPlaying}
        labels={{ play: t('chat.playVideo'), pause: t('chat.pauseVideo') }}
        onPress={() => (isPlaying ? player.pause() : player.play())}
      />
    </>
  );
}

/**
 * Full-screen view of a view-once message. Drawn over the chat rather than in a <Modal>: on Android a
 * Modal is its own window, which the activity's FLAG_SECURE does not cover. Voice and video play here,
 * once: when the clip ends its player is released, and closing the viewer (at any point) ends the view.
 */
export function ViewOnceViewer({ media, onClose }: { media: ViewOnceOpen; onClose: () => void }) {
  const t = useT();
  const [finished, setFinished] = useState(false);
  const finish = useCallback(() => setFinished(true), []);
  useEffect(() => {
    const sub = BackHandler.addEventListener('hardwareBackPress', () => {
      onClose();
      return true;
    });
    return () => sub.remove();
  }, [onClose]);

  let content: ReactNode;
  if (media.kind === 'image') {
    content = (
      <Image
        testID="view-once-media"
        source={{ uri: media.url }}
        resizeMode="contain"
        style={styles.media}
        accessibilityIgnoresInvertColors
      />
    );
  } else if (media.kind === 'audio' || media.kind === 'video') {
    content = finished ? (
      <Text testID="view-once-finished" accessibilityRole="alert" style={styles.text}>
        {t('chat.viewOnceFinished')}
      </Text>
    ) : media.kind === 'audio' ? (
      <OnceAudio uri={media.url} onFinished={finish} />
    ) : (
      <OnceVideo uri={media.url} onFinished={finish} />
    );
  } else {
    content = <Text style={styles.text}>{t('chat.viewOnceUnsupported')}</Text>;
  }

  return (
    <View testID="view-once-viewer" style={styles.overlay}>
      {/* The chat's guard reports screenshots; this one only keeps the media out of captures. */}
      <ScreenCaptureGuard guardKey={`view-once:${media.messageId}`} />
      {content}
      <View style={styles.close}>
        <Button testID="view-once-close" label={t('chat.viewOnceClose')} onPress={onClose} />
      </View>
    </View>
  );
}

const styles = StyleSheet.create({
  overlay: {
    position: 'absolute',
    top: 0,
    left: 0,
    right: 0,
    bottom: 0,
    backgroundColor: '#000',
    alignItems: 'center',
    justifyContent: 'center',
    zIndex: 10,
  },
  media: { width: '100%', height: '75%' },
  audio: { alignItems: 'center', gap: 16 },
  title: { color: '#fff', fontSize: 18, fontWeight: '600' },
  toggle: {
    minWidth: 64,
    minHeight: 64,
    borderRadius: 32,
    borderWidth: 2,
    borderColor: '#fff',
    alignItems: 'center',
    justifyContent: 'center',
    marginTop: 12,
  },
  toggleText: { color: '#fff', fontSize: 24, fontWeight: '700' },
  text: { color: '#fff', padding: 24, textAlign: 'center' },
  close: { position: 'absolute', bottom: 32, left: 24, right: 24 },
});
