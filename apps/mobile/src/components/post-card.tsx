import type { Post } from '@ipelya/contracts';
import { Link } from 'expo-router';
import { StyleSheet, Text, View } from 'react-native';
import { useLanguageStore, useT } from '../i18n/i18n';
import { useTheme } from '../theme/theme';
import { UnlockPost } from './unlock-post';

export function PostCard({ post, linkAuthor = true }: { post: Post; linkAuthor?: boolean }) {
  const t = useT();
  const theme = useTheme();
  const language = useLanguageStore((s) => s.language);
  const when = post.published_at ?? post.created_at;
  const author = (
    <Text style={[styles.author, { color: theme.text }]}>
      {post.author.display_name} <Text style={{ color: theme.muted }}>@{post.author.handle}</Text>
    </Text>
  );
  return (
    <View
      testID={`post-${post.id}`}
      style={[styles.card, { backgroundColor: theme.surface, borderColor: theme.border }]}
    >
      {linkAuthor ? (
        <Link href={{ pathname: '/creator/[handle]', params: { handle: post.author.handle } }}>{author}</Link>
      ) : (
        author
      )}
      <Text style={[styles.meta, { color: theme.muted }]}>
        {new Date(when).toLocaleString(language === 'tr' ? 'tr-TR' : 'en-GB')}
        {post.is_demo ? ` · ${t('post.demo')}` : ''}
      </Text>
      {post.unlocked ? (
        <Text style={[styles.body, { color: theme.text }]}>{post.body}</Text>
      ) : (
        <Text style={[styles.body, styles.locked, { color: theme.muted }]}>
          {t('post.locked')}
          {post.price_coins ? ` ${t('post.unlockPrice', { price: post.price_coins })}` : ''}
        </Text>
      )}
      {!post.unlocked && post.price_coins ? <UnlockPost postId={post.id} price={post.price_coins} /> : null}
    </View>
  );
}

const styles = StyleSheet.create({
  card: { borderWidth: 1, borderRadius: 14, padding: 16, gap: 6, marginHorizontal: 16, marginVertical: 6 },
  author: { fontSize: 16, fontWeight: '700' },
  meta: { fontSize: 12 },
  body: { fontSize: 15, lineHeight: 21, marginTop: 4 },
  locked: { fontStyle: 'italic' },
});
