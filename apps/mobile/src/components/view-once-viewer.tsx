import { useEffect } from 'react';
import { BackHandler, Image, StyleSheet, Text, View } from 'react-native';
import type { ViewOnceOpen } from '../hooks/use-messages';
import { useT } from '../i18n/i18n';
import { Button } from './button';
import { ScreenCaptureGuard } from './screen-capture-guard';

/**
 * Full-screen view of a view-once message. Drawn over the chat rather than in a <Modal>: on Android a
 * Modal is its own window, which the activity's FLAG_SECURE does not cover.
 */
export function ViewOnceViewer({ media, onClose }: { media: ViewOnceOpen; onClose: () => void }) {
  const t = useT();
  useEffect(() => {
    const sub = BackHandler.addEventListener('hardwareBackPress', () => {
      onClose();
      return true;
    });
    return () => sub.remove();
  }, [onClose]);
  return (
    <View testID="view-once-viewer" style={styles.overlay}>
      {/* The chat's guard reports screenshots; this one only keeps the media out of captures. */}
      <ScreenCaptureGuard guardKey={`view-once:${media.messageId}`} />
      {media.kind === 'image' ? (
        <Image
          testID="view-once-media"
          source={{ uri: media.url }}
          resizeMode="contain"
          style={styles.media}
          accessibilityIgnoresInvertColors
        />
      ) : (
        <Text style={styles.text}>{t('chat.viewOnceUnsupported')}</Text>
      )}
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
  media: { width: '100%', height: '85%' },
  text: { color: '#fff', padding: 24, textAlign: 'center' },
  close: { position: 'absolute', bottom: 32, left: 24, right: 24 },
});
