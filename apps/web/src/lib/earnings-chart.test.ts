import { describe, expect, it } from 'vitest';
import { chartBars, dailyEarnings } from './earnings-chart.ts';

const NOW = new Date('2026-11-24T15:30:00Z');

describe('dailyEarnings', () => {
  it('has one entry per day for the last 30 days, oldest first, ending today', () => {
    const days = dailyEarnings([], NOW);
    expect(days).toHaveLength(30);
    expect(days[0]).toEqual({ date: '2026-10-26', amount: 0 });
    expect(days[29]).toEqual({ date: '2026-11-24', amount: 0 });
    expect(new Set(days.map((d) => d.date)).size).toBe(30);
  });
  it('sums entries of the same UTC day and keeps days apart', () => {
    const days = dailyEarnings(
      [
        { amount: 80, created_at: '2026-11-24T00:00:01Z' },
        { amount: 20, created_at: '2026-11-24T23:59:59Z' },
        { amount: 5, created_at: '2026-11-23T23:59:59Z' },
        // 01:30 in Istanbul on the 23rd is still the 22nd in UTC.
        { amount: 7, created_at: '2026-11-23T01:30:00+03:00' },
      ],
      NOW,
    );
    const byDate = Object.fromEntries(days.map((d) => [d.date, d.amount]));
    expect(byDate['2026-11-24']).toBe(100);
    expect(byDate['2026-11-23']).toBe(5);
    expect(byDate['2026-11-22']).toBe(7);
    expect(days.reduce((s, d) => s + d.amount, 0)).toBe(112);
  });
  it('ignores entries outside the window and unreadable dates, and nets reversals', () => {
    const days = dailyEarnings(
      [
        { amount: 999, created_at: '2026-10-25T12:00:00Z' }, // 31st day back
        { amount: 999, created_at: '2026-11-25T00:00:00Z' }, // tomorrow
        { amount: 999, created_at: 'not a date' },
        { amount: 50, created_at: '2026-10-26T00:00:00Z' }, // first day of the window
        { amount: 30, created_at: '2026-11-10T10:00:00Z' },
        { amount: -30, created_at: '2026-11-10T11:00:00Z' },
      ],
      NOW,
    );
    expect(days[0]!.amount).toBe(50);
    expect(days.find((d) => d.date === '2026-11-10')!.amount).toBe(0);
    expect(days.reduce((s, d) => s + d.amount, 0)).toBe(50);
  });
  it('supports another window length', () => {
    expect(dailyEarnings([], NOW, 7).map((d) => d.date)).toEqual([
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
      '2026-11-23',
      '2026-11-24',
    ]);
  });
});

describe('chartBars', () => {
  it('scales the tallest day to the full height and places bars left to right', () => {
    const bars = chartBars(
      [
        { date: 'a', amount: 50 },
        { date: 'b', amount: 100 },
        { date: 'c', amount: 0 },
        { date: 'd', amount: -10 },
      ],
      400,
      100,
    );
    expect(bars.map((b) => b.x)).toEqual([0, 100, 200, 300]);
    expect(bars.map((b) => b.height)).toEqual([50, 100, 0, 0]);
    expect(bars.map((b) => b.y)).toEqual([50, 0, 100, 100]);
    expect(bars.every((b) => b.width === 99)).toBe(true);
  });
  it('draws nothing (no NaN) when there were no earnings', () => {
    const bars = chartBars(
      [
        { date: 'a', amount: 0 },
        { date: 'b', amount: 0 },
      ],
      100,
      50,
    );
    expect(bars.every((b) => b.height === 0 && b.y === 50)).toBe(true);
    expect(chartBars([], 100, 50)).toEqual([]);
  });
});
