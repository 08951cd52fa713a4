import { HandleSchema, type Post } from '@ipelya/contracts';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import type { Translate } from '../../../../i18n/messages.ts';
import { langFrom, translatorFor } from '../../../../i18n/server.ts';
import { loadCreator } from '../../../../lib/api-server.ts';
import { FollowButton } from './follow-button.tsx';

type Props = { params: Promise<{ lang: string; handle: string }> };

// Rendered on every request: posts and counts change, and it is the page people share.
export const dynamic = 'force-dynamic';

async function creatorFor(params: Props['params']) {
  const { handle: raw } = await params;
  const handle = decodeURIComponent(raw).toLowerCase();
  // Never send a malformed handle to the API: it cannot exist.
  if (!HandleSchema.safeParse(handle).success) return null;
  return loadCreator(handle);
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const creator = await creatorFor(params);
  if (!creator) return {};
  const { profile } = creator;
  return { title: `${profile.display_name} (@${profile.handle})`, description: profile.bio.slice(0, 160) };
}

export default async function CreatorPage({ params }: Props) {
  const lang = await langFrom(params);
  const t = translatorFor(lang);
  const creator = await creatorFor(params);
  if (!creator) notFound();
  const { profile, posts } = creator;
  const dates = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });

  return (
    <article className="creator" data-testid="creator-page">
      <header className="card creator-header">
        <span className="avatar large" aria-hidden="true">
          {profile.display_name.slice(0, 1).toUpperCase()}
        </span>
        <div className="creator-info">
          <h1 data-testid="creator-name">{profile.display_name}</h1>
          <p className="handle" data-testid="creator-handle">
            @{profile.handle}
            {profile.is_creator && <span className="pill">{t('creator.creatorBadge')}</span>}
            {profile.is_demo && <span className="pill muted-pill">{t('creator.demoBadge')}</span>}
          </p>
          {profile.bio && (
            <p className="bio" data-testid="creator-bio">
              {profile.bio}
            </p>
          )}
          {profile.followers_count !== null && (
            <p className="muted small" data-testid="creator-followers">
              {t('creator.followers', { count: new Intl.NumberFormat(lang).format(profile.followers_count) })}
            </p>
          )}
        </div>
        <FollowButton profileId={profile.id} handle={profile.handle} />
      </header>

      <section aria-labelledby="posts-title">
        <h2 id="posts-title">{t('creator.posts')}</h2>
        {posts.length === 0 ? (
          <p className="muted" data-testid="no-posts">
            {t('creator.noPosts')}
          </p>
        ) : (
          <ul className="post-list" data-testid="post-list">
            {posts.map((post) => (
              <PostItem key={post.id} post={post} t={t} date={dates} />
            ))}
          </ul>
        )}
      </section>
    </article>
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
      <time className="muted small" dateTime={when}>
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
