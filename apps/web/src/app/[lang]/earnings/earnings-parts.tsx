'use client';

import type { Earnings, Payout } from '@ipelya/contracts';
import { en } from '../../../i18n/en.ts';
import { useI18n } from '../../../i18n/i18n-provider.tsx';
import type { MessageKey, Translate } from '../../../i18n/messages.ts';
import { formatCoins, formatDate, formatMinor } from '../../../lib/money.ts';

/** A translated label for a server enum value, or the raw value when this build does not know it yet. */
export function enumLabel(t: Translate, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return key in en ? t(key as MessageKey) : value;
}

export function BalanceCards(props: { earnings: Earnings }) {
  const { t, lang } = useI18n();
  const items = [
    {
      id: 'pending',
      value: props.earnings.pending,
      label: 'earnings.pending',
      hint: 'earnings.pending.hint',
    },
    {
      id: 'available',
      value: props.earnings.available,
      label: 'earnings.available',
      hint: 'earnings.available.hint',
    },
    {
      id: 'in-payout',
      value: props.earnings.in_payout,
      label: 'earnings.inPayout',
      hint: 'earnings.inPayout.hint',
    },
  ] as const;
  return (
    <ul className="balance-grid">
      {items.map((i) => (
        <li key={i.id} className="card balance" data-testid={`balance-${i.id}`} data-coins={i.value}>
          <span className="muted small">{t(i.label)}</span>
          <strong className="balance-value">
            {t('earnings.coins', { count: formatCoins(i.value, lang) })}
          </strong>
          <span className="muted small">{t(i.hint)}</span>
        </li>
      ))}
    </ul>
  );
}

export function EarningsHistory(props: { recent: Earnings['recent'] }) {
  const { t, lang } = useI18n();
  if (props.recent.length === 0) {
    return (
      <p className="muted" data-testid="earnings-empty">
        {t('earnings.history.empty')}
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="earnings-history">
        <thead>
          <tr>
            <th scope="col">{t('earnings.col.date')}</th>
            <th scope="col">{t('earnings.col.kind')}</th>
            <th scope="col" className="num">
              {t('earnings.col.amount')}
            </th>
            <th scope="col">{t('earnings.col.availableAt')}</th>
            <th scope="col">{t('earnings.col.status')}</th>
          </tr>
        </thead>
        <tbody>
          {props.recent.map((e) => (
            // Earnings rows carry no id; these fields together identify one.
            <tr
              key={`${e.created_at}-${e.kind}-${e.amount}-${e.available_at}`}
              data-testid="earning-row"
              data-kind={e.kind}
            >
              <td>{formatDate(e.created_at, lang, true)}</td>
              <td>{enumLabel(t, 'earnings.kind', e.kind)}</td>
              <td className="num">{formatCoins(e.amount, lang)}</td>
              <td>{formatDate(e.available_at, lang)}</td>
              <td>
                <span className={`pill ${e.released ? 'pill-ok' : ''}`}>
                  {t(e.released ? 'earnings.released' : 'earnings.held')}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PayoutMoney(props: { payout: Pick<Payout, 'amount_coins' | 'amount_minor' | 'currency'> }) {
  const { t, lang } = useI18n();
  return (
    <>
      {t('payouts.amount', {
        coins: formatCoins(props.payout.amount_coins, lang),
        money: formatMinor(props.payout.amount_minor, props.payout.currency, lang),
      })}
    </>
  );
}

export function PayoutStatusPill(props: { status: string }) {
  const { t } = useI18n();
  return (
    <span className={`pill payout-status payout-${props.status}`} data-testid="payout-status">
      {enumLabel(t, 'payout.status', props.status)}
    </span>
  );
}

export function PayoutList(props: { payouts: Payout[] }) {
  const { t, lang } = useI18n();
  if (props.payouts.length === 0) {
    return (
      <p className="muted" data-testid="payouts-empty">
        {t('payouts.empty')}
      </p>
    );
  }
  return (
    <ul className="payout-list" data-testid="payout-list">
      {props.payouts.map((p) => (
        <li key={p.id} className="card payout" data-testid="payout" data-status={p.status}>
          <div className="payout-head">
            <strong>
              <PayoutMoney payout={p} />
            </strong>
            <PayoutStatusPill status={p.status} />
          </div>
          <p className="muted small">{t('payouts.created', { date: formatDate(p.created_at, lang) })}</p>
          {p.events.length > 0 && (
            <details>
              <summary>{t('payouts.history')}</summary>
              <ol className="payout-events">
                {p.events.map((ev) => (
                  <li key={`${ev.status}-${ev.created_at}`} data-testid="payout-event">
                    <span>{enumLabel(t, 'payout.status', ev.status)}</span>{' '}
                    <span className="muted small">{formatDate(ev.created_at, lang, true)}</span>
                    {ev.note && <span className="muted small"> · {ev.note}</span>}
                  </li>
                ))}
              </ol>
            </details>
          )}
        </li>
      ))}
    </ul>
  );
}
