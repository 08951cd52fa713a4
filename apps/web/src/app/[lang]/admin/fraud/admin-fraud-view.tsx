'use client';

import type { FraudCase } from '@ipelya/contracts';
import { useCallback } from 'react';
import { AdminFailure } from '../../../../components/admin-failure.tsx';
import { useI18n } from '../../../../i18n/i18n-provider.tsx';
import { getApi } from '../../../../lib/api-browser.ts';
import { formatDate } from '../../../../lib/money.ts';
import { useSignedInLoad } from '../../../../lib/use-signed-in-load.ts';
import { enumLabel } from '../../earnings/earnings-parts.tsx';
import { AdminNav } from '../admin-nav.tsx';
import { useRowActions } from '../use-admin-actions.ts';

type Resolution = 'release' | 'block';

export type FraudCaseListProps = {
  cases: FraudCase[];
  busy: string | null;
  resolved: Record<string, Resolution>;
  failed: string | null;
  onResolve: (id: string, action: Resolution) => void;
};

/** Presentational: open fraud cases with their score, the rules that fired, and release/block buttons. */
export function FraudCaseList(props: FraudCaseListProps) {
  const { t, lang } = useI18n();
  if (props.cases.length === 0) {
    return (
      <p className="muted" data-testid="admin-fraud-empty">
        {t('admin.fraud.empty')}
      </p>
    );
  }
  return (
    <ul className="admin-list" data-testid="admin-fraud">
      {props.cases.map((c) => {
        const resolved = props.resolved[c.id];
        return (
          <li key={c.id} className="card admin-row" data-testid="fraud-case" data-id={c.id}>
            <div className="payout-head">
              <strong>{t('admin.fraud.subject', { type: c.subject_type, id: c.subject_id ?? '—' })}</strong>
              <span className={`pill fraud-${c.outcome}`} data-testid="fraud-score">
                {t('admin.fraud.score', { score: c.score })} ·{' '}
                {enumLabel(t, 'admin.fraud.outcome', c.outcome)}
              </span>
            </div>
            <p className="muted small">{formatDate(c.created_at, lang, true)}</p>
            <ul className="fraud-reasons">
              {c.reasons.map((r) => (
                <li key={`${r.rule}:${r.detail}`} data-testid="fraud-reason">
                  <code>{r.rule}</code> {r.detail}
                </li>
              ))}
            </ul>
            {resolved ? (
              <span className="pill" data-testid="fraud-resolved" data-resolution={resolved}>
                {t(resolved === 'release' ? 'admin.fraud.released' : 'admin.fraud.blocked')}
              </span>
            ) : (
              <div className="button-row">
                <button
                  type="button"
                  className="button"
                  data-testid="fraud-release"
                  disabled={props.busy !== null}
                  onClick={() => props.onResolve(c.id, 'release')}
                >
                  {t('admin.fraud.release')}
                </button>
                <button
                  type="button"
                  className="button danger"
                  data-testid="fraud-block"
                  disabled={props.busy !== null}
                  onClick={() => props.onResolve(c.id, 'block')}
                >
                  {t('admin.fraud.block')}
                </button>
              </div>
            )}
            {props.failed === c.id && (
              <p className="error" role="alert" data-testid="admin-action-error">
                {t('admin.actionError')}
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function AdminFraudView() {
  const { t } = useI18n();
  const loader = useCallback(async () => (await getApi().adminFraudCases({ status: 'open' })).items, []);
  const { state, reload } = useSignedInLoad(loader);
  const actions = useRowActions<Resolution>();

  return (
    <div className="admin" data-testid="admin-fraud-page">
      {!(state.kind === 'failed' && state.failure === 'forbidden') && <AdminNav current="fraud" />}
      <h1>{t('admin.fraud.title')}</h1>
      {state.kind === 'loading' && <p className="muted">{t('admin.loading')}</p>}
      {state.kind === 'failed' && <AdminFailure failure={state.failure} onRetry={() => void reload()} />}
      {state.kind === 'ready' && (
        <FraudCaseList
          cases={state.data}
          busy={actions.busy}
          resolved={actions.done}
          failed={actions.failed}
          onResolve={(id, action) =>
            void actions.run(id, action, () => getApi().resolveFraudCase(id, action))
          }
        />
      )}
    </div>
  );
}
