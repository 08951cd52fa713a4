import { HandleSchema } from '@ipelya/contracts';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { langFrom, translatorFor } from '../../../../i18n/server.ts';
import { loadCreator } from '../../../../lib/api-server.ts';
import { CreatorPostList, CreatorPostsProvider } from './creator-posts.tsx';
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

  // The server render stays anonymous; the provider re-fetches the posts with the viewer's session.
  return (
    <CreatorPostsProvider handle={profile.handle} initialPosts={posts}>
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
                {t('creator.followers', {
                  count: new Intl.NumberFormat(lang).format(profile.followers_count),
                })}
              </p>
            )}
          </div>
          <FollowButton profileId={profile.id} handle={profile.handle} />
        </header>

        <section aria-labelledby="posts-title">
          <h2 id="posts-title">{t('creator.posts')}</h2>
          <CreatorPostList />
        </section>
      </article>
    </CreatorPostsProvider>
  );
}
