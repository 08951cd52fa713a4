import { ApiClientError } from '@ipelya/api-client';
import { Stack, useLocalSearchParams, useRouter } from 'expo-router';
import { FlatList, StyleSheet, Text, View } from 'react-native';
import { Button } from '../../components/button';
import { CreatorSupport } from '../../components/creator-support';
import { PostCard } from '../../components/post-card';
import { ScreenCaptureGuard } from '../../components/screen-capture-guard';
import { ErrorView, errorMessage, LoadingView } from '../../components/status-views';
import { useT } from '../../i18n/i18n';
import { useStartConversation } from '../../state/queries/conversations';
import { useMe } from '../../state/queries/me';
import { useFollowMutation, useProfile, useProfilePosts } from '../../state/queries/profile';
import { useTheme } from '../../theme/theme';

export default function CreatorScreen() {
  const t = useT();
  const theme = useTheme();
  const { handle: rawHandle } = useLocalSearchParams<{ handle: string }>();
  const handle = String(rawHandle ?? '').toLowerCase();
  const profile = useProfile(handle);
  const posts = useProfilePosts(handle);
  const me = useMe();
  const follow = useFollowMutation(handle);
  const router = useRouter();
  const startChat = useStartConversation();

  if (profile.isPending) return <LoadingView />;
  if (profile.isError) {
    const notFound = profile.error instanceof ApiClientError && profile.error.status === 404;
    return (
      <ErrorView
        message={
          notFound ? t('creator.notFound') : t('common.error', { message: errorMessage(profile.error) })
        }
        onRetry={notFound ? undefined : () => profile.refetch()}
      />
    );
  }

  const p = profile.data;
  const isOwn = me.data?.active_profile.id === p.id;
  const items = posts.data?.pages.flatMap((page) => page.items) ?? [];
  // Locked and pay-per-view content is what a creator sells: keep it out of screenshots and report captures.
  const sensitive = !isOwn && items.some((post) => !post.unlocked || post.visibility !== 'public');

  const header = (
    <View style={[styles.header, { borderColor: theme.border }]}>
      {sensitive ? (
        <ScreenCaptureGuard
          guardKey={`creator:${p.id}`}
          report={me.data ? { context: 'profile', targetId: p.id } : null}
        />
      ) : null}
      <Text style={[styles.name, { color: theme.text }]}>{p.display_name}</Text>
      <Text style={{ color: theme.muted }}>@{p.handle}</Text>
      {p.bio ? <Text style={[styles.bio, { color: theme.text }]}>{p.bio}</Text> : null}
      {p.followers_count !== null ? (
        <Text testID="followers-count" style={{ color: theme.muted }}>
          {t('creator.followers', { count: p.followers_count })}
        </Text>
      ) : null}
      {isOwn ? (
        <Text style={{ color: theme.muted }}>{t('creator.ownProfile')}</Text>
      ) : (
        <Button
          testID="follow-button"
          label={t(p.is_following ? 'creator.unfollow' : 'creator.follow')}
          variant={p.is_following ? 'secondary' : 'primary'}
          disabled={follow.isPending}
          onPress={() => follow.mutate({ profileId: p.id, follow: !p.is_following })}
        />
      )}
      {follow.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('creator.followFailed', { message: errorMessage(follow.error) })}
        </Text>
      ) : null}
      {me.data && !isOwn ? (
        <Button
          testID="message-button"
          label={t('creator.message')}
          variant="secondary"
          busy={startChat.isPending}
          onPress={() =>
            startChat.mutate(p.id, {
              onSuccess: (c) => router.push({ pathname: '/messages/[id]', params: { id: c.id } }),
            })
          }
        />
      ) : null}
      {startChat.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('creator.messageFailed', { message: errorMessage(startChat.error) })}
        </Text>
      ) : null}
      {me.data && !isOwn && p.is_creator ? <CreatorSupport creatorId={p.id} /> : null}
      <Text style={[styles.section, { color: theme.text }]}>{t('creator.posts')}</Text>
    </View>
  );

  return (
    <>
      <Stack.Screen options={{ title: `@${p.handle}` }} />
      <FlatList
        testID="creator-posts"
        style={{ backgroundColor: theme.background }}
        data={items}
        keyExtractor={(post) => post.id}
        ListHeaderComponent={header}
        renderItem={({ item }) => <PostCard post={item} linkAuthor={false} />}
        onEndReachedThreshold={0.5}
        onEndReached={() => {
          if (posts.hasNextPage && !posts.isFetchingNextPage) void posts.fetchNextPage();
        }}
        ListEmptyComponent={
          posts.isPending ? null : (
            <Text style={[styles.none, { color: theme.muted }]}>{t('creator.noPosts')}</Text>
          )
        }
      />
    </>
  );
}

const styles = StyleSheet.create({
  header: { padding: 20, gap: 8, borderBottomWidth: 1, marginBottom: 8 },
  name: { fontSize: 24, fontWeight: '800' },
  bio: { fontSize: 15, lineHeight: 21 },
  section: { fontSize: 18, fontWeight: '700', marginTop: 12 },
  none: { padding: 24, textAlign: 'center' },
});
