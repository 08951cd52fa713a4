import { Link } from 'expo-router';
import { useState } from 'react';
import { ActivityIndicator, FlatList, Pressable, RefreshControl, StyleSheet, Text, View } from 'react-native';
import { PostCard } from '../components/post-card';
import { ErrorView, errorMessage, LoadingView } from '../components/status-views';
import { useT } from '../i18n/i18n';
import { useCreators } from '../state/queries/creators';
import { useFeed } from '../state/queries/feed';
import { useTheme } from '../theme/theme';

function DiscoverCreators() {
  const t = useT();
  const theme = useTheme();
  const creators = useCreators();
  return (
    <View style={styles.empty}>
      <Text style={[styles.emptyText, { color: theme.muted }]}>{t('feed.empty')}</Text>
      <Text style={[styles.heading, { color: theme.text }]}>{t('feed.discover')}</Text>
      {creators.data?.items.map((c) => (
        <Link key={c.id} href={{ pathname: '/creator/[handle]', params: { handle: c.handle } }} asChild>
          <Pressable
            accessibilityRole="link"
            // Link's Slot merges styles and wants a flat object.
            style={StyleSheet.flatten([
              styles.creator,
              { borderColor: theme.border, backgroundColor: theme.surface },
            ])}
          >
            <Text style={[styles.creatorName, { color: theme.text }]}>
              {c.display_name} <Text style={{ color: theme.muted }}>@{c.handle}</Text>
            </Text>
          </Pressable>
        </Link>
      ))}
    </View>
  );
}

/** Shortcuts from home to the private side of the app. */
function HomeLinks() {
  const t = useT();
  const theme = useTheme();
  const links = [
    { href: '/messages', label: t('nav.messages'), testID: 'home-messages' },
    { href: '/privacy/contacts', label: t('nav.contacts'), testID: 'home-contacts' },
    { href: '/privacy/blocked', label: t('nav.blocked'), testID: 'home-blocked' },
  ] as const;
  return (
    <View style={styles.links}>
      {links.map((link) => (
        <Link key={link.href} href={link.href} asChild>
          <Pressable
            testID={link.testID}
            accessibilityRole="link"
            style={StyleSheet.flatten([styles.link, { borderColor: theme.primary }])}
          >
            <Text style={[styles.linkText, { color: theme.primary }]}>{link.label}</Text>
          </Pressable>
        </Link>
      ))}
    </View>
  );
}

export default function FeedScreen() {
  const t = useT();
  const theme = useTheme();
  const feed = useFeed();
  // Only a pull shows the spinner; background refetches (e.g. from realtime) stay quiet.
  const [pulling, setPulling] = useState(false);

  if (feed.isPending) return <LoadingView />;
  if (feed.isError) {
    return (
      <ErrorView
        message={t('common.error', { message: errorMessage(feed.error) })}
        onRetry={() => feed.refetch()}
      />
    );
  }

  const posts = feed.data.pages.flatMap((p) => p.items);
  const onRefresh = async () => {
    setPulling(true);
    try {
      await feed.refetch();
    } finally {
      setPulling(false);
    }
  };

  return (
    <FlatList
      testID="feed-list"
      style={{ backgroundColor: theme.background }}
      contentContainerStyle={styles.list}
      data={posts}
      keyExtractor={(p) => p.id}
      ListHeaderComponent={<HomeLinks />}
      renderItem={({ item }) => <PostCard post={item} />}
      refreshControl={<RefreshControl refreshing={pulling} onRefresh={onRefresh} tintColor={theme.primary} />}
      onEndReachedThreshold={0.5}
      onEndReached={() => {
        if (feed.hasNextPage && !feed.isFetchingNextPage) void feed.fetchNextPage();
      }}
      ListEmptyComponent={<DiscoverCreators />}
      ListFooterComponent={
        feed.isFetchingNextPage ? (
          <ActivityIndicator
            color={theme.primary}
            accessibilityLabel={t('feed.loadingMore')}
            style={styles.footer}
          />
        ) : posts.length > 0 && !feed.hasNextPage ? (
          <Text style={[styles.footer, styles.end, { color: theme.muted }]}>{t('feed.end')}</Text>
        ) : null
      }
    />
  );
}

const styles = StyleSheet.create({
  list: { paddingVertical: 8, flexGrow: 1 },
  empty: { padding: 24, gap: 12 },
  emptyText: { fontSize: 16 },
  heading: { fontSize: 18, fontWeight: '700', marginTop: 8 },
  creator: { borderWidth: 1, borderRadius: 12, padding: 14 },
  creatorName: { fontSize: 16, fontWeight: '600' },
  footer: { padding: 16 },
  links: { flexDirection: 'row', flexWrap: 'wrap', gap: 8, paddingHorizontal: 16, paddingVertical: 8 },
  link: { borderWidth: 1.5, borderRadius: 999, paddingHorizontal: 12, paddingVertical: 6 },
  linkText: { fontSize: 14, fontWeight: '700' },
  end: { textAlign: 'center' },
});
