'use client';

import { useI18n } from '../../i18n/i18n-provider.tsx';

export default function ErrorPage({ retry }: { error: unknown; retry: () => void }) {
  const { t } = useI18n();
  return (
    <div className="narrow center" role="alert" data-testid="error-page">
      <h1>{t('error.title')}</h1>
      <p className="muted">{t('error.body')}</p>
      <button type="button" className="button" onClick={() => retry()}>
        {t('error.retry')}
      </button>
    </div>
  );
}
