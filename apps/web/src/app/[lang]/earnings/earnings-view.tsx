'use client';

import type { Earnings, Payout } from '@ipelya/contracts';
import Link from 'next/link';
import { useCallback, useMemo } from 'react';
import { EarningsChart } from '../../../components/earnings-chart.tsx';
import { useI18n } from '../../../i18n/i18n-provider.tsx';
import { getApi } from '../../../lib/api-browser.ts';
import { failureKind } from '../../../lib/api-errors.ts';
import { dailyEarnings } from '../../../lib/earnings-chart.ts';
import { useSignedInLoad } from '../../../lib/use-signed-in-load.ts';
import { BalanceCards, EarningsHistory, PayoutList } from './earnings-parts.tsx';

type Data =
  | { creator: false }
  | {
      creator: true;
      earnings: Earnings;
      /** null: the payouts list could not be loaded (the rest of the page still works). */
      payouts: Payout[] | null;
    };

async function loadEarnings(): Promise<Data> {
  const api = getApi();
  const me = await api.me();
  if (!me.active_profile.is_creator) return { creator: false };
  const [earnings, payouts] = await Promise.all([
    api.earnings(),
    api.payouts().then(
      (r) => r.items,
      // A server without payouts yet (404) simply has none to show.
      (err: unknown) => (failureKind(err) === 'missing' ? [] : null),
    ),
  ]);
  return { creator: true, earnings, payouts };
}

export function EarningsView() {
  const { t } = useI18n();
  const loader = useCallback(loadEarnings, []);
  const { state, reload } = useSignedInLoad(loader);

  const recent = state.kind === 'ready' && state.data.creator ? state.data.earnings.recent : null;
  // Computed once per response; "today" is when the page rendered.
  const perDay = useMemo(() => (recent ? dailyEarnings(recent, new Date()) : []), [recent]);

  if (state.kind === 'loading') {
    return (
      <p className="muted" data-testid="earnings-loading">
        {t('earnings.loading')}
      </p>
    );
  }
  if (state.kind === 'failed') {
    return (
      <div className="narrow">
        <p className="error" role="alert" data-testid="earnings-error">
          {t('earnings.error')}
        </p>
        <button type="button" className="button" onClick={() => void reload()}>
          {t('account.retry')}
        </button>
      </div>
    );
  }
  const { data } = state;
  if (!data.creator) {
    return (
      <div className="card narrow" data-testid="earnings-not-creator">
        <h1>{t('earnings.notCreator.title')}</h1>
        <p className="muted">{t('earnings.notCreator.body')}</p>
        <Link href="/account" className="button primary" data-testid="earnings-account-link">
          {t('earnings.notCreator.link')}
        </Link>
      </div>
    );
  }
  return (
    <div className="earnings" data-testid="earnings">
      <h1>{t('earnings.title')}</h1>
      <BalanceCards earnings={data.earnings} />

      <section className="card" aria-labelledby="chart-title">
        <h2 id="chart-title">{t('earnings.chart.title')}</h2>
        <EarningsChart data={perDay} />
      </section>

      <section aria-labelledby="payouts-title">
        <h2 id="payouts-title">{t('payouts.title')}</h2>
        {data.payouts === null ? (
          <p className="error" data-testid="payouts-error">
            {t('payouts.error')}
          </p>
        ) : (
          <PayoutList payouts={data.payouts} />
        )}
      </section>

      <section aria-labelledby="history-title">
        <h2 id="history-title">{t('earnings.history.title')}</h2>
        <EarningsHistory recent={data.earnings.recent} />
      </section>
    </div>
  );
}
