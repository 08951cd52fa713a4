'use client';

import { useI18n } from '../i18n/i18n-provider.tsx';
import { chartBars, type DayTotal } from '../lib/earnings-chart.ts';
import { formatCoins, formatDate } from '../lib/money.ts';

const WIDTH = 600;
const HEIGHT = 160;

/** Earnings per day as an inline SVG bar chart: no chart library, readable by screen readers via the label. */
export function EarningsChart(props: { data: DayTotal[] }) {
  const { t, lang } = useI18n();
  const total = props.data.reduce((sum, d) => sum + d.amount, 0);
  const bars = chartBars(props.data, WIDTH, HEIGHT);
  return (
    <svg
      className="earnings-chart"
      data-testid="earnings-chart"
      data-total={total}
      viewBox={`0 0 ${WIDTH} ${HEIGHT + 1}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={t('earnings.chart.label', { total: formatCoins(total, lang) })}
    >
      <line x1={0} y1={HEIGHT + 0.5} x2={WIDTH} y2={HEIGHT + 0.5} className="earnings-chart-axis" />
      {bars.map((b) => (
        <rect
          key={b.date}
          data-testid="earnings-bar"
          data-date={b.date}
          data-amount={b.amount}
          x={b.x}
          y={b.y}
          width={b.width}
          height={b.height}
          className="earnings-chart-bar"
        >
          <title>
            {t('earnings.chart.day', {
              date: formatDate(`${b.date}T00:00:00Z`, lang),
              amount: formatCoins(b.amount, lang),
            })}
          </title>
        </rect>
      ))}
    </svg>
  );
}
