import type { FraudCase, Payout } from '@ipelya/contracts';
import { describe, expect, it } from 'vitest';
import { FraudCaseList } from '../app/[lang]/admin/fraud/admin-fraud-view.tsx';
import { AdminPayoutsList } from '../app/[lang]/admin/payouts/admin-payouts-view.tsx';
import { BalanceCards, EarningsHistory, PayoutList } from '../app/[lang]/earnings/earnings-parts.tsx';
import { dailyEarnings } from '../lib/earnings-chart.ts';
import { count, noop, plain, render } from '../test/render-markup.tsx';
import { AdminFailure } from './admin-failure.tsx';
import { EarningsChart } from './earnings-chart.tsx';

/** Static markup is enough here: these components are pure functions of their props. */
const html = (markup: string) => markup;

const payout = (over: Partial<Payout> = {}): Payout => ({
  id: '00000000-0000-4000-8000-000000000001',
  creator_id: '00000000-0000-4000-8000-0000000000c1',
  amount_coins: 120_000,
  amount_minor: 120_000,
  currency: 'USD',
  status: 'awaiting_approval',
  approval_reason: 'first_payout',
  provider: 'local',
  external_id: null,
  attempts: 0,
  next_attempt_at: null,
  last_error: null,
  approved_at: null,
  period_start: '2026-11-16T00:00:00Z',
  period_end: '2026-11-23T00:00:00Z',
  created_at: '2026-11-23T09:00:00Z',
  events: [{ status: 'awaiting_approval', note: 'first payout', created_at: '2026-11-23T09:00:00Z' }],
  ...over,
});

const fraudCase = (over: Partial<FraudCase> = {}): FraudCase => ({
  id: '00000000-0000-4000-8000-0000000000f1',
  subject_type: 'purchase',
  subject_id: 'pur_1',
  score: 85,
  outcome: 'review',
  reasons: [
    { rule: 'velocity', detail: '5 purchases in 10 minutes' },
    { rule: 'new_account', detail: 'account is 2 hours old' },
  ],
  details: {},
  status: 'open',
  user_id: null,
  profile_id: null,
  reviewed_by: null,
  reviewed_at: null,
  created_at: '2026-11-24T10:00:00Z',
  purchase: null,
  ...over,
});

describe('admin payouts list', () => {
  it('shows each waiting payout with money, reason and an approve button', () => {
    const d = render(
      <AdminPayoutsList
        payouts={[
          payout(),
          payout({ id: '00000000-0000-4000-8000-000000000002', approval_reason: 'large_payout' }),
        ]}
        busy={null}
        approved={{}}
        failed={null}
        onApprove={noop}
      />,
    );
    expect(count(d, 'admin-payout')).toBe(2);
    expect(count(d, 'approve-payout')).toBe(2);
    expect(html(d)).toContain('120,000 coins · $1,200.00');
    expect(html(d)).toContain('First payout');
    expect(html(d)).toContain('Large payout');
    expect(html(d)).toContain('Awaiting approval');
  });
  it('marks an approved row and reports a failed one', () => {
    const first = payout();
    const second = payout({ id: '00000000-0000-4000-8000-000000000002' });
    const d = render(
      <AdminPayoutsList
        payouts={[first, second]}
        busy={null}
        approved={{ [first.id]: 'approved' }}
        failed={second.id}
        onApprove={noop}
      />,
    );
    expect(count(d, 'payout-approved')).toBe(1);
    expect(count(d, 'approve-payout')).toBe(1);
    expect(count(d, 'admin-action-error')).toBe(1);
    expect(html(d)).toContain('Scheduled');
  });
  it('disables buttons while an approval runs, and has an empty state (Turkish)', () => {
    const busy = render(
      <AdminPayoutsList
        payouts={[payout()]}
        busy={payout().id}
        approved={{}}
        failed={null}
        onApprove={noop}
      />,
    );
    expect(html(busy)).toMatch(/disabled=""[^>]*>Approving…/);
    const empty = render(
      <AdminPayoutsList payouts={[]} busy={null} approved={{}} failed={null} onApprove={noop} />,
      'tr',
    );
    expect(html(empty)).toContain('Onay bekleyen ödeme yok.');
  });
});

describe('admin fraud list', () => {
  it('shows score, outcome, every reason and release/block buttons', () => {
    const d = render(
      <FraudCaseList cases={[fraudCase()]} busy={null} resolved={{}} failed={null} onResolve={noop} />,
    );
    expect(count(d, 'fraud-case')).toBe(1);
    expect(count(d, 'fraud-reason')).toBe(2);
    expect(html(d)).toContain('5 purchases in 10 minutes');
    expect(html(d)).toContain('Score 85 · Needs review');
    expect(count(d, 'fraud-release')).toBe(1);
    expect(count(d, 'fraud-block')).toBe(1);
  });
  it('replaces the buttons with the decision once resolved', () => {
    const c = fraudCase();
    const d = render(
      <FraudCaseList cases={[c]} busy={null} resolved={{ [c.id]: 'block' }} failed={null} onResolve={noop} />,
      'tr',
    );
    expect(count(d, 'fraud-release')).toBe(0);
    expect(html(d)).toContain('data-resolution="block"');
    expect(html(d)).toContain('Engellendi');
  });
});

describe('admin failure states', () => {
  it('says "not authorised" for 403 and "not available" for a missing endpoint', () => {
    const forbidden = render(<AdminFailure failure="forbidden" />);
    expect(count(forbidden, 'admin-forbidden')).toBe(1);
    expect(html(forbidden)).toContain('Not authorised');
    expect(count(render(<AdminFailure failure="missing" />), 'admin-unavailable')).toBe(1);
    expect(count(render(<AdminFailure failure="unavailable" />), 'admin-unavailable')).toBe(1);
    expect(html(render(<AdminFailure failure="forbidden" />, 'tr'))).toContain('Yetkin yok');
  });
});

describe('earnings page parts', () => {
  const earnings = {
    pending: 1500,
    available: 320,
    in_payout: 0,
    recent: [
      {
        kind: 'ppv_unlock',
        amount: 96,
        available_at: '2026-12-01T00:00:00Z',
        released: false,
        created_at: '2026-11-24T08:00:00Z',
      },
      {
        kind: 'mystery_kind',
        amount: 8,
        available_at: '2026-11-20T00:00:00Z',
        released: true,
        created_at: '2026-11-13T08:00:00Z',
      },
    ],
  };
  it('shows the three balances', () => {
    const d = render(<BalanceCards earnings={earnings} />, 'tr');
    expect(html(d)).toContain('data-testid="balance-pending" data-coins="1500"');
    expect(html(d)).toContain('1.500 jeton');
    expect(html(d)).toContain('data-testid="balance-in-payout" data-coins="0"');
  });
  it('lists the history with translated kinds, falling back to the raw kind', () => {
    const d = render(<EarningsHistory recent={earnings.recent} />);
    expect(count(d, 'earning-row')).toBe(2);
    expect(html(d)).toContain('Post unlock');
    expect(html(d)).toContain('mystery_kind');
    expect(html(d)).toContain('On hold');
    expect(html(d)).toContain('Released');
    expect(count(render(<EarningsHistory recent={[]} />), 'earnings-empty')).toBe(1);
  });
  it('lists payouts with their status history, or an empty state', () => {
    const d = render(
      <PayoutList
        payouts={[
          payout({
            status: 'paid',
            currency: 'TRY',
            amount_minor: 6999,
            events: [
              { status: 'scheduled', note: null, created_at: '2026-11-23T09:00:00Z' },
              { status: 'paid', note: 'transfer tr_1', created_at: '2026-11-24T09:00:00Z' },
            ],
          }),
        ]}
      />,
      'tr',
    );
    expect(count(d, 'payout-event')).toBe(2);
    expect(html(d)).toContain('Ödendi');
    expect(html(d)).toContain('transfer tr_1');
    expect(plain(html(d))).toContain('₺69,99');
    expect(count(render(<PayoutList payouts={[]} />), 'payouts-empty')).toBe(1);
  });
  it('draws one bar per day with heights from the data', () => {
    const data = dailyEarnings(earnings.recent, new Date('2026-11-24T12:00:00Z'));
    const d = render(<EarningsChart data={data} />);
    expect(count(d, 'earnings-bar')).toBe(30);
    expect(html(d)).toContain('data-total="104"');
    // The tallest day fills the chart (160 high); the 8-coin day is 8/96 of it.
    expect(html(d)).toMatch(
      /data-date="2026-11-24" data-amount="96" x="[\d.]+" y="0" width="[\d.]+" height="160"/,
    );
    expect(html(d)).toMatch(/data-date="2026-11-13" data-amount="8"[^>]*height="13.33/);
    expect(html(d)).toContain('total 104 coins');
  });
});
