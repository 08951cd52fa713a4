'use client';

import { useI18n } from '../i18n/i18n-provider.tsx';
import type { FailureKind } from '../lib/api-errors.ts';

/** What an admin page shows when its list cannot be loaded: 403 = not an admin, 404/503 = tool not there. */
export function AdminFailure(props: { failure: FailureKind; onRetry?: () => void }) {
  const { t } = useI18n();
  if (props.failure === 'forbidden') {
    return (
      <div className="card narrow" data-testid="admin-forbidden" role="alert">
        <h2>{t('admin.forbidden.title')}</h2>
        <p className="muted">{t('admin.forbidden.body')}</p>
      </div>
    );
  }
  if (props.failure === 'missing' || props.failure === 'unavailable') {
    return (
      <p className="muted" data-testid="admin-unavailable">
        {t('admin.unavailable')}
      </p>
    );
  }
  return (
    <div className="narrow">
      <p className="error" role="alert" data-testid="admin-error">
        {t('admin.error')}
      </p>
      {props.onRetry && (
        <button type="button" className="button" onClick={props.onRetry}>
          {t('admin.retry')}
        </button>
      )}
    </div>
  );
}
