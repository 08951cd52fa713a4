import { View } from 'react-native';
import { useT } from '../i18n/i18n';
import { useUnlockPost } from '../state/queries/posts';
import { Button } from './button';
import { SpendError } from './spend-error';

/** The pay-per-view action under a locked post. */
export function UnlockPost({ postId, price }: { postId: string; price: number }) {
  const t = useT();
  const unlock = useUnlockPost(postId);
  return (
    <View style={{ gap: 8 }}>
      <Button
        testID={`unlock-${postId}`}
        label={unlock.isPending ? t('unlock.busy') : t('unlock.button', { price })}
        busy={unlock.isPending}
        onPress={unlock.unlock}
      />
      {unlock.isError ? <SpendError error={unlock.error} /> : null}
    </View>
  );
}
