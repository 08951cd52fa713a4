'use client';

import type { ReconciliationItem } from '@ipelya/contracts';
import { useI18n } from '../../../../i18n/i18n-provider.tsx';
import type { MessageKey } from '../../../../i18n/messages.ts';
import { formatDate, formatMinor } from '../../../../lib/money.ts';
import { enumLabel } from '../../earnings/earnings-parts.tsx';
import {
  actionsFor,
  ageLabel,
  amountsDiffer,
  type ReconcileAction,
  type RowError,
} from './reconciliation-item.ts';

export type ReconcileStatus = 'open' | 'resolved';
export type Confirming = { id: string; action: ReconcileAction; note: string };

export type ReconciliationListProps = {
  items: ReconciliationItem[];
  status: ReconcileStatus;
  /** Epoch ms the ages are counted from (a prop so tests and the server render agree). */
  now: number;
  busy: string | null;
  confirming: Confirming | null;
  failed: (RowError & { id: string }) | null;
  onAction: (id: string, action: ReconcileAction) => void;
  onNote: (note: string) => void;
  onConfirm: () => void;
  onCancel: () => void;
};

const ACTION_LABEL: Record<ReconcileAction, MessageKey> = {
  credit: 'admin.reconciliation.credit',
  reject: 'admin.reconciliation.reject',
  dismiss: 'admin.reconciliation.dismiss',
};
const CONFIRM_TEXT: Record<ReconcileAction, MessageKey> = {
  credit: 'admin.reconciliation.confirm.credit',
  reject: 'admin.reconciliation.confirm.reject',
  dismiss: 'admin.reconciliation.confirm.dismiss',
};

/** Open / resolved switch; the API filters, so each is its own list. */
export function ReconciliationFilter(props: {
  status: ReconcileStatus;
  onChange: (status: ReconcileStatus) => void;
}) {
  const { t } = useI18n();
  return (
    <fieldset className="admin-filter" data-testid="reconciliation-filter">
      <legend className="visually-hidden">{t('admin.reconciliation.filter')}</legend>
      {(['open', 'resolved'] as const).map((s) => (
        <button
          key={s}
          type="button"
          className="admin-nav-link"
          aria-pressed={props.status === s}
          data-testid={`reconciliation-filter-${s}`}
          onClick={() => props.onChange(s)}
        >
          {t(s === 'open' ? 'admin.reconciliation.filter.open' : 'admin.reconciliation.filter.resolved')}
        </button>
      ))}
    </fieldset>
  );
}

function Amount(props: { minor: number | null; currency: string | null }) {
  const { t, lang } = useI18n();
  if (props.minor === null) return <>{t('admin.reconciliation.unknown')}</>;
  if (!props.currency) return <>{props.minor}</>;
  try {
    return <>{formatMinor(props.minor, props.currency.toUpperCase(), lang)}</>;
  } catch {
    // A provider may report a currency code Intl does not know; show it as reported.
    return <>{`${props.minor} ${props.currency}`}</>;
  }
}

/** Presentational: reconciliation items with what was reported vs expected, and credit/reject/dismiss. */
export function ReconciliationList(props: ReconciliationListProps) {
  const { t, lang } = useI18n();
  if (props.items.length === 0) {
    return (
      <p className="card muted" data-testid="admin-reconciliation-empty">
        {t(props.status === 'open' ? 'admin.reconciliation.empty' : 'admin.reconciliation.emptyResolved')}
      </p>
    );
  }
  return (
    <ul className="admin-list" data-testid="admin-reconciliation">
      {props.items.map((item) => {
        const confirming = props.confirming?.id === item.id ? props.confirming : null;
        const busy = props.busy === item.id;
        const differ = amountsDiffer(item);
        const noteId = `reconcile-note-${item.id}`;
        return (
          <li
            key={item.id}
            className="card admin-row reconcile-row"
            data-testid="reconciliation-item"
            data-id={item.id}
            data-kind={item.kind}
            data-status={item.status}
          >
            <div className="payout-head">
              <strong data-testid="reconciliation-kind">
                {enumLabel(t, 'admin.reconciliation.kind', item.kind)}
              </strong>
              {item.status === 'resolved' && item.resolution ? (
                <span className="pill pill-ok" data-testid="reconciliation-resolution">
                  {enumLabel(t, 'admin.reconciliation.resolution', item.resolution)}
                </span>
              ) : (
                <span className="pill" title={formatDate(item.created_at, lang, true)}>
                  {ageLabel(item.created_at, props.now, lang)}
                </span>
              )}
            </div>
            <p className="muted small">{item.detail}</p>
            <dl className="reconcile-facts">
              <div>
                <dt>{t('admin.reconciliation.provider')}</dt>
                <dd data-testid="reconciliation-provider">{item.provider}</dd>
              </div>
              <div>
                <dt>{t('admin.reconciliation.reported')}</dt>
                <dd data-testid="reconciliation-reported" className={differ ? 'amount-differs' : undefined}>
                  <Amount minor={item.reported_amount_minor} currency={item.reported_currency} />
                </dd>
              </div>
              <div>
                <dt>{t('admin.reconciliation.expected')}</dt>
                <dd data-testid="reconciliation-expected">
                  <Amount minor={item.expected_amount_minor} currency={item.expected_currency} />
                </dd>
              </div>
              <div>
                <dt>{t('admin.reconciliation.purchase')}</dt>
                <dd>
                  {item.purchase_id ? (
                    <>
                      <code className="store-id" data-testid="reconciliation-purchase">
                        {item.purchase_id}
                      </code>
                      {item.purchase_status && (
                        <span className="muted small">
                          {' '}
                          ({enumLabel(t, 'admin.reconciliation.purchaseStatus', item.purchase_status)})
                        </span>
                      )}
                    </>
                  ) : (
                    <span className="muted">{t('admin.reconciliation.noPurchase')}</span>
                  )}
                </dd>
              </div>
              <div>
                <dt>{t('admin.reconciliation.payment')}</dt>
                <dd>
                  <code className="store-id" data-testid="reconciliation-payment">
                    {item.external_id ?? item.checkout_id ?? '—'}
                  </code>
                </dd>
              </div>
              <div>
                <dt>{t('admin.reconciliation.created')}</dt>
                <dd>{formatDate(item.created_at, lang, true)}</dd>
              </div>
            </dl>
            {item.status === 'resolved' && item.note && (
              <p className="small" data-testid="reconciliation-note">
                {t('admin.reconciliation.noteShown', { note: item.note })}
              </p>
            )}
            {item.status === 'open' && !confirming && (
              <div className="button-row">
                {actionsFor(item).map((a) => (
                  <button
                    key={a}
                    type="button"
                    className={`button small-button${a === 'reject' ? ' danger' : ''}`}
                    data-testid={`reconcile-${a}`}
                    disabled={props.busy !== null}
                    onClick={() => props.onAction(item.id, a)}
                  >
                    {t(ACTION_LABEL[a])}
                  </button>
                ))}
              </div>
            )}
            {confirming && (
              <div
                className="reconcile-confirm"
                data-testid="reconcile-confirm"
                data-action={confirming.action}
              >
                <p className="confirm-text">{t(CONFIRM_TEXT[confirming.action])}</p>
                <label htmlFor={noteId} className="small">
                  {t('admin.reconciliation.note')}{' '}
                  <span className="muted">({t('admin.packages.optional')})</span>
                </label>
                <textarea
                  id={noteId}
                  data-testid="reconcile-note"
                  maxLength={500}
                  rows={2}
                  value={confirming.note}
                  disabled={busy}
                  onChange={(e) => props.onNote(e.target.value)}
                />
                <div className="button-row">
                  <button
                    type="button"
                    className={`button small-button${confirming.action === 'reject' ? ' danger' : ''}`}
                    data-testid="reconcile-confirm-yes"
                    disabled={props.busy !== null}
                    onClick={props.onConfirm}
                  >
                    {busy ? t('admin.reconciliation.working') : t(ACTION_LABEL[confirming.action])}
                  </button>
                  <button
                    type="button"
                    className="button small-button"
                    data-testid="reconcile-confirm-no"
                    disabled={props.busy !== null}
                    onClick={props.onCancel}
                  >
                    {t('admin.packages.cancel')}
                  </button>
                </div>
              </div>
            )}
            {props.failed?.id === item.id && (
              <p className="error" role="alert" data-testid="admin-action-error">
                {t(props.failed.message)}
                {props.failed.detail && (
                  <span className="muted small" data-testid="admin-action-error-detail">
                    {' '}
                    ({props.failed.detail})
                  </span>
                )}
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
