'use client';

import type { Post } from '@ipelya/contracts';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { useI18n } from '../../../../i18n/i18n-provider.tsx';
import type { Translate } from '../../../../i18n/messages.ts';
import { getApi } from '../../../../lib/api-browser.ts';
import { CREATOR_POSTS_PAGE_SIZE } from '../../../../lib/page-sizes.ts';
import { getSupabase } from '../../../../lib/supabase-browser.ts';

/** 'anonymous': the list the server rendered for everyone; 'viewer': re-fetched with this viewer's token. */
type Source = 'anonymous' | 'viewer';
type CreatorPosts = { posts: Post[]; source: Source; refresh: () => Promise<void> };

const CreatorPostsContext = createContext<CreatorPosts | null>(null);

/** Null outside the provider, so the follow button still works if it is ever rendered elsewhere. */
export function useCreatorPosts(): CreatorPosts | null {
  return useContext(CreatorPostsContext);
}

/**
 * The server renders the creator's posts anonymously (shareable, indexable). When the browser holds
 * a session, the list is asked for again with the viewer's token, so posts the viewer is entitled to
 * (followers-only, subscriber, unlocked pay-per-view) show their content.
 */
export function CreatorPostsProvider(props: { handle: string; initialPosts: Post[]; children: ReactNode }) {
  const { handle, initialPosts } = props;
  const [state, setState] = useState<{ posts: Post[]; source: Source }>({
    posts: initialPosts,
    source: 'anonymous',
  });
  // Only the newest request may write: a slow answer from before a follow must not overwrite a newer one.
  const latest = useRef(0);
  const alive = useRef(true);

  const refresh = useCallback(async () => {
    const id = ++latest.current;
    const { data } = await getSupabase().auth.getSession();
    if (!data.session) {
      if (alive.current && id === latest.current) setState({ posts: initialPosts, source: 'anonymous' });
      return;
    }
    try {
      const page = await getApi().profilePosts(handle, { limit: CREATOR_POSTS_PAGE_SIZE });
      if (alive.current && id === latest.current) setState({ posts: page.items, source: 'viewer' });
    } catch {
      // Keep what is shown: the anonymous list is still correct, just less complete.
    }
  }, [handle, initialPosts]);

  useEffect(() => {
    alive.current = true;
    void refresh();
    const { data } = getSupabase().auth.onAuthStateChange((event) => {
      // Deferred: supabase-js holds a lock while it runs this callback, and refresh() asks for the session.
      if (event === 'SIGNED_IN' || event === 'SIGNED_OUT') setTimeout(() => void refresh(), 0);
    });
    return () => {
      alive.current = false;
      data.subscription.unsubscribe();
    };
  }, [refresh]);

  return (
    <CreatorPostsContext.Provider value={{ ...state, refresh }}>
      {props.children}
    </CreatorPostsContext.Provider>
  );
}

export function CreatorPostList() {
  const { t, lang } = useI18n();
  const ctx = useCreatorPosts();
  if (!ctx) throw new Error('CreatorPostList must be used inside <CreatorPostsProvider>');
  const dates = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });

  if (ctx.posts.length === 0) {
    return (
      <p className="muted" data-testid="no-posts" data-source={ctx.source}>
        {t('creator.noPosts')}
      </p>
    );
  }
  return (
    <ul className="post-list" data-testid="post-list" data-source={ctx.source}>
      {ctx.posts.map((post) => (
        <PostItem key={post.id} post={post} t={t} date={dates} />
      ))}
    </ul>
  );
}

function lockLabel(post: Post, t: Translate): string {
  if (post.price_coins) return t('creator.lockedPrice', { price: post.price_coins });
  if (post.visibility === 'followers') return t('creator.lockedFollowers');
  return t('creator.lockedSubscribers');
}

function PostItem({ post, t, date }: { post: Post; t: Translate; date: Intl.DateTimeFormat }) {
  const when = post.published_at ?? post.created_at;
  return (
    <li
      className={post.unlocked ? 'card post' : 'card post locked'}
      data-testid="post"
      data-post-id={post.id}
      data-locked={!post.unlocked}
    >
      {post.unlocked ? (
        <p className="post-body" data-testid="post-body">
          {post.body}
        </p>
      ) : (
        <div className="post-locked" data-testid="post-locked">
          <LockIcon />
          <span>
            <strong>{t('creator.locked')}</strong>
            <span className="price" data-testid="post-price">
              {lockLabel(post, t)}
            </span>
          </span>
        </div>
      )}
      {/* The server formats in its time zone, the browser in the viewer's: near midnight the day may differ. */}
      <time className="muted small" dateTime={when} suppressHydrationWarning>
        {date.format(new Date(when))}
      </time>
    </li>
  );
}

/** Inline SVG rather than an emoji: many systems (and headless browsers) lack an emoji font. */
function LockIcon() {
  return (
    <svg className="lock" width="28" height="28" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect x="4" y="10" width="16" height="11" rx="2.5" fill="currentColor" />
      <path d="M8 10V7a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" strokeWidth="2.2" />
    </svg>
  );
}
