/** One day of the earnings chart; `date` is the UTC calendar day (YYYY-MM-DD). */
export type DayTotal = { date: string; amount: number };

const DAY_MS = 86_400_000;

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Sums earnings per UTC day for the `days` days ending today (oldest first, every day present, zero when
 * nothing was earned). Entries outside the window or with an unreadable date are ignored. Days are UTC so
 * the chart does not shift with the viewer's time zone.
 */
export function dailyEarnings(
  recent: { amount: number; created_at: string }[],
  now: Date,
  days = 30,
): DayTotal[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const totals = new Map<string, number>();
  for (let i = days - 1; i >= 0; i--) totals.set(utcDay(today - i * DAY_MS), 0);
  for (const e of recent) {
    const t = Date.parse(e.created_at);
    if (Number.isNaN(t)) continue;
    const key = utcDay(t);
    const current = totals.get(key);
    if (current !== undefined) totals.set(key, current + e.amount);
  }
  return [...totals].map(([date, amount]) => ({ date, amount }));
}

export type Bar = { date: string; amount: number; x: number; y: number; width: number; height: number };

/**
 * Bar geometry for an SVG of `width`×`height`: bars scale to the largest day; negative days (reversals)
 * draw as empty so the axis stays at the bottom. A 1-unit gap separates bars.
 */
export function chartBars(data: DayTotal[], width: number, height: number): Bar[] {
  const max = Math.max(0, ...data.map((d) => d.amount));
  const slot = data.length > 0 ? width / data.length : 0;
  return data.map((d, i) => {
    const h = max > 0 && d.amount > 0 ? (d.amount / max) * height : 0;
    return {
      date: d.date,
      amount: d.amount,
      x: i * slot,
      y: height - h,
      width: Math.max(slot - 1, 0),
      height: h,
    };
  });
}
