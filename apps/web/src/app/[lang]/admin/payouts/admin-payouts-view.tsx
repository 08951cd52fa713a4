'use client';

import type { Payout } from '@ipelya/contracts';
import { useCallback } from 'react';
import { AdminFailure } from '../../../../components/admin-failure.tsx';
import { useI18n } from '../../../../i18n/i18n-provider.tsx';
import { getApi } from '../../../../lib/api-browser.ts';
import { formatDate } from '../../../../lib/money.ts';
import { useSignedInLoad } from '../../../../lib/use-signed-in-load.ts';
import { enumLabel, PayoutMoney, PayoutStatusPill } from '../../earnings/earnings-parts.tsx';
import { AdminNav } from '../admin-nav.tsx';
import { useRowActions } from '../use-admin-actions.ts';

export type AdminPayoutsListProps = {
  payouts: Payout[];
  busy: string | null;
  approved: Record<string, unknown>;
  failed: string | null;
  onApprove: (id: string) => void;
};

/** Presentational: the payouts waiting for approval, each with an approve button. */
export function AdminPayoutsList(props: AdminPayoutsListProps) {
  const { t, lang } = useI18n();
  if (props.payouts.length === 0) {
    return (
      <p className="muted" data-testid="admin-payouts-empty">
        {t('admin.payouts.empty')}
      </p>
    );
  }
  return (
    <ul className="admin-list" data-testid="admin-payouts">
      {props.payouts.map((p) => {
        const approved = p.id in props.approved;
        return (
          <li key={p.id} className="card admin-row" data-testid="admin-payout" data-id={p.id}>
            <div className="payout-head">
              <strong>
                <PayoutMoney payout={p} />
              </strong>
              <PayoutStatusPill status={approved ? 'scheduled' : p.status} />
            </div>
            <p className="muted small">
              {t('admin.payouts.creator', { id: p.creator_id })} · {formatDate(p.created_at, lang, true)}
              {p.approval_reason && <> · {enumLabel(t, 'admin.payouts.reason', p.approval_reason)}</>}
            </p>
            {approved ? (
              <span className="pill pill-ok" data-testid="payout-approved">
                {t('admin.payouts.approved')}
              </span>
            ) : (
              <button
                type="button"
                className="button primary"
                data-testid="approve-payout"
                disabled={props.busy !== null}
                onClick={() => props.onApprove(p.id)}
              >
                {props.busy === p.id ? t('admin.payouts.approving') : t('admin.payouts.approve')}
              </button>
            )}
            {props.failed === p.id && (
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

export function AdminPayoutsView() {
  const { t } = useI18n();
  const loader = useCallback(
    async () => (await getApi().adminPayouts({ status: 'awaiting_approval' })).items,
    [],
  );
  const { state, reload } = useSignedInLoad(loader);
  const actions = useRowActions<'approved'>();

  return (
    <div className="admin" data-testid="admin-payouts-page">
      {!(state.kind === 'failed' && state.failure === 'forbidden') && <AdminNav current="payouts" />}
      <h1>{t('admin.payouts.title')}</h1>
      {state.kind === 'loading' && <p className="muted">{t('admin.loading')}</p>}
      {state.kind === 'failed' && <AdminFailure failure={state.failure} onRetry={() => void reload()} />}
      {state.kind === 'ready' && (
        <AdminPayoutsList
          payouts={state.data}
          busy={actions.busy}
          approved={actions.done}
          failed={actions.failed}
          onApprove={(id) => void actions.run(id, 'approved', () => getApi().approvePayout(id))}
        />
      )}
    </div>
  );
}
