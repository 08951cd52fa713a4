import Link from 'next/link';
import { langFrom, translatorFor } from '../../i18n/server.ts';
import { loadFeaturedCreators } from '../../lib/api-server.ts';

// Statically generated per language and regenerated in the background at most every 10 minutes,
// which also refreshes the featured creators.
export const revalidate = 600;

const FEATURES = ['privacy', 'personas', 'noTrace', 'vibeMatch', 'earn'] as const;

export default async function LandingPage({ params }: { params: Promise<{ lang: string }> }) {
  const t = translatorFor(await langFrom(params));
  const creators = await loadFeaturedCreators(revalidate);
  return (
    <div className="landing" data-testid="landing">
      <section className="hero">
        <h1 data-testid="landing-title">{t('landing.hero.title')}</h1>
        <p className="lead">{t('landing.hero.subtitle')}</p>
        <Link href="/sign-in" className="button primary large" data-testid="landing-cta">
          {t('landing.cta')}
        </Link>
        <p className="muted small">{t('landing.cta.hint')}</p>
      </section>

      <section aria-labelledby="features-title">
        <h2 id="features-title">{t('landing.features.title')}</h2>
        <ul className="feature-grid">
          {FEATURES.map((f) => (
            <li key={f} className={`card feature feature-${f}`} data-testid={`feature-${f}`}>
              <h3>{t(`landing.feature.${f}.title` as const)}</h3>
              <p>{t(`landing.feature.${f}.body` as const)}</p>
            </li>
          ))}
        </ul>
      </section>

      {creators.length > 0 && (
        <section aria-labelledby="creators-title">
          <h2 id="creators-title">{t('landing.creators.title')}</h2>
          <ul className="creator-grid">
            {creators.map((c) => (
              <li key={c.id}>
                <Link
                  href={`/c/${c.handle}`}
                  className="card creator-card"
                  data-testid={`featured-${c.handle}`}
                >
                  <span className="avatar" aria-hidden="true">
                    {c.display_name.slice(0, 1).toUpperCase()}
                  </span>
                  <span className="creator-card-text">
                    <strong>{c.display_name}</strong>
                    <span className="muted">@{c.handle}</span>
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
