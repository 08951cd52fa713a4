import { ApiClientError } from '@ipelya/api-client';
import type { ReconciliationItem } from '@ipelya/contracts';
import { describe, expect, it } from 'vitest';
import { AdminNav } from '../app/[lang]/admin/admin-nav.tsx';
import {
  actionsFor,
  ageLabel,
  amountsDiffer,
  resolveItem,
  rowErrorFrom,
} from '../app/[lang]/admin/reconciliation/reconciliation-item.ts';
import {
  ReconciliationFilter,
  ReconciliationList,
  type ReconciliationListProps,
} from '../app/[lang]/admin/reconciliation/reconciliation-parts.tsx';
import type { Language } from '../i18n/negotiate.ts';
import { count, noop, plain, render } from '../test/render-markup.tsx';

const NOW = Date.parse('2026-12-04T12:00:00Z');

const item = (over: Partial<ReconciliationItem> = {}): ReconciliationItem => ({
  id: '00000000-0000-4000-8000-0000000000c1',
  kind: 'amount_mismatch',
  provider: 'stripe',
  external_id: 'cs_test_123',
  checkout_id: null,
  purchase_id: '00000000-0000-4000-8000-0000000000a1',
  purchase_status: 'held',
  user_id: '00000000-0000-4000-8000-0000000000b1',
  reported_amount_minor: 100,
  reported_currency: 'usd',
  expected_amount_minor: 499,
  expected_currency: 'USD',
  detail: 'reported 100 usd, expected 499 USD',
  status: 'open',
  resolution: null,
  note: null,
  resolved_at: null,
  created_at: '2026-12-04T09:00:00Z',
  ...over,
});
const unmatched = item({
  id: '00000000-0000-4000-8000-0000000000c2',
  kind: 'unmatched_payment',
  purchase_id: null,
  purchase_status: null,
  user_id: null,
  external_id: 'cs_test_orphan',
  reported_amount_minor: 17999,
  reported_currency: 'TRY',
  expected_amount_minor: null,
  expected_currency: null,
  detail: 'no purchase for this session',
  created_at: '2026-12-02T12:00:00Z',
});

const list = (over: Partial<ReconciliationListProps> = {}, lang: Language = 'en') =>
  render(
    <ReconciliationList
      items={[item(), unmatched]}
      status="open"
      now={NOW}
      busy={null}
      confirming={null}
      failed={null}
      onAction={noop}
      onNote={noop}
      onConfirm={noop}
      onCancel={noop}
      {...over}
    />,
    lang,
  );

describe('reconciliation list', () => {
  it('shows kind, provider, reported vs expected amount, purchase and payment ids, and age', () => {
    const d = plain(list());
    expect(count(d, 'reconciliation-item')).toBe(2);
    expect(d).toContain('Paid amount differs from the price');
    expect(d).toContain('Payment matches no purchase');
    expect(d).toContain('stripe');
    expect(d).toMatch(/data-testid="reconciliation-reported" class="amount-differs">\$1\.00</);
    expect(d).toMatch(/data-testid="reconciliation-expected">\$4\.99</);
    expect(d).toContain('TRY 179.99');
    expect(d).toContain('00000000-0000-4000-8000-0000000000a1');
    expect(d).toContain('(held)');
    expect(d).toContain('cs_test_123');
    expect(d).toContain('no matching purchase');
    expect(d).toContain('3 hours ago');
    expect(d).toContain('2 days ago');
  });

  it('offers credit only for a purchase held for its amount; reject and dismiss everywhere open', () => {
    const d = list();
    expect(count(d, 'reconcile-credit')).toBe(1);
    expect(count(d, 'reconcile-reject')).toBe(2);
    expect(count(d, 'reconcile-dismiss')).toBe(2);
    expect(d.indexOf('reconcile-credit')).toBeLessThan(d.indexOf(unmatched.id));
    expect(actionsFor(item({ purchase_status: 'succeeded' }))).toEqual(['reject', 'dismiss']);
    expect(actionsFor(item({ kind: 'paid_not_creditable' }))).toEqual(['reject', 'dismiss']);
    expect(actionsFor(item({ status: 'resolved', resolution: 'dismissed' }))).toEqual([]);
  });

  it('asks before acting, with an optional note, and shows the API error on the row', () => {
    const d = list({ confirming: { id: item().id, action: 'credit', note: 'paid by bank transfer' } });
    expect(count(d, 'reconcile-confirm')).toBe(1);
    expect(d).toContain('data-action="credit"');
    expect(d).toContain('Credit the coins of this purchase now');
    expect(d).toContain('paid by bank transfer');
    expect(d).toContain('maxLength="500"');
    // While confirming, that row's action buttons give way to the confirmation.
    expect(count(d, 'reconcile-credit')).toBe(0);
    expect(count(d, 'reconcile-reject')).toBe(1);
    const busy = list({ busy: item().id, confirming: { id: item().id, action: 'reject', note: '' } });
    expect(busy).toContain('Saving…');
    const failed = list({
      failed: {
        id: unmatched.id,
        message: 'admin.reconciliation.error.refused',
        detail: 'only a payment held for an amount mismatch can be credited',
      },
    });
    expect(count(failed, 'admin-action-error')).toBe(1);
    expect(failed).toContain('The server refused this action for this item.');
    expect(failed).toContain('only a payment held for an amount mismatch can be credited');
    expect(failed.indexOf('admin-action-error')).toBeGreaterThan(failed.indexOf(unmatched.id));
  });

  it('shows a resolved item with its outcome and note, without actions', () => {
    const d = list({
      items: [item({ status: 'resolved', resolution: 'credited', note: 'checked with Stripe' })],
      status: 'resolved',
    });
    expect(d).toContain('Credited');
    expect(d).toContain('Note: checked with Stripe');
    expect(count(d, 'reconcile-dismiss')).toBe(0);
  });

  it('speaks Turkish, with Turkish money and ages', () => {
    const d = plain(list({}, 'tr'));
    expect(d).toContain('Ödenen tutar fiyattan farklı');
    expect(d).toContain('Jetonları yükle');
    expect(d).toContain('Reddet');
    expect(d).toContain('₺179,99');
    expect(d).toContain('3 saat önce');
    expect(d).toContain('eşleşen satın alım yok');
  });

  it('has an empty state in both languages, for open and resolved', () => {
    const en = list({ items: [] });
    expect(count(en, 'admin-reconciliation-empty')).toBe(1);
    expect(count(en, 'admin-reconciliation')).toBe(0);
    expect(en).toContain('Nothing to reconcile');
    expect(list({ items: [], status: 'resolved' })).toContain('No item has been resolved yet.');
    expect(list({ items: [] }, 'tr')).toContain('Mutabakat bekleyen bir şey yok');
  });

  it('filter marks the status shown', () => {
    const d = render(<ReconciliationFilter status="resolved" onChange={noop} />);
    expect(d).toMatch(/aria-pressed="true"[^>]*data-testid="reconciliation-filter-resolved"/);
    expect(d).toMatch(/aria-pressed="false"[^>]*data-testid="reconciliation-filter-open"/);
    expect(render(<ReconciliationFilter status="open" onChange={noop} />, 'tr')).toContain('Çözülmüş');
  });
});

describe('resolving an item', () => {
  const fakeApi = (fail?: Error) => {
    const calls: [string, unknown][] = [];
    return {
      calls,
      api: {
        resolveReconciliation: async (id: string, body: unknown) => {
          calls.push([id, body]);
          if (fail) throw fail;
          return { ...item({ id, status: 'resolved', resolution: 'credited' }), credited: true } as const;
        },
      },
    };
  };
  it('calls resolveReconciliation with the action and the trimmed note, leaving out a blank one', async () => {
    const f = fakeApi();
    const r = await resolveItem(f.api, { id: item().id, action: 'credit', note: '  bank transfer  ' });
    expect(r.credited).toBe(true);
    await resolveItem(f.api, { id: unmatched.id, action: 'dismiss', note: '   ' });
    await resolveItem(f.api, { id: unmatched.id, action: 'reject', note: '' });
    expect(f.calls).toEqual([
      [item().id, { action: 'credit', note: 'bank transfer' }],
      [unmatched.id, { action: 'dismiss' }],
      [unmatched.id, { action: 'reject' }],
    ]);
  });
  it('lets the API’s refusal through for the row to show', async () => {
    const f = fakeApi(new ApiClientError(409, 'reconciliation_resolved', 'this item was already credited'));
    const err = await resolveItem(f.api, { id: item().id, action: 'reject', note: '' }).catch((e) => e);
    expect(rowErrorFrom(err)).toEqual({
      message: 'admin.reconciliation.error.resolved',
      detail: 'this item was already credited',
    });
  });
});

describe('reconciliation helpers', () => {
  it('compares amounts and currencies', () => {
    expect(amountsDiffer(item())).toBe(true);
    expect(amountsDiffer(item({ reported_amount_minor: 499 }))).toBe(false);
    expect(amountsDiffer(item({ reported_amount_minor: 499, reported_currency: 'EUR' }))).toBe(true);
    expect(amountsDiffer(unmatched)).toBe(false);
  });
  it('turns API refusals into row messages, keeping the API’s words', () => {
    const e = (status: number, message = 'm') => new ApiClientError(status, 'x', message);
    expect(rowErrorFrom(e(409, 'this item was already credited'))).toEqual({
      message: 'admin.reconciliation.error.resolved',
      detail: 'this item was already credited',
    });
    expect(rowErrorFrom(e(400)).message).toBe('admin.reconciliation.error.refused');
    expect(rowErrorFrom(e(404)).message).toBe('admin.reconciliation.error.missing');
    expect(rowErrorFrom(e(403))).toEqual({ message: 'admin.forbidden.body', detail: null });
    expect(rowErrorFrom(e(500)).message).toBe('admin.actionError');
    expect(rowErrorFrom(new TypeError('fetch failed'))).toEqual({
      message: 'admin.actionError',
      detail: null,
    });
  });
  it('ages in words', () => {
    expect(ageLabel('2026-12-04T11:59:30Z', NOW, 'en')).toBe('now');
    expect(ageLabel('2026-12-04T11:55:00Z', NOW, 'en')).toBe('5 minutes ago');
    expect(ageLabel('2026-12-03T12:00:00Z', NOW, 'en')).toBe('yesterday');
  });
});

describe('admin navigation', () => {
  it('links the reconciliation page and marks it current', () => {
    const d = render(<AdminNav current="reconciliation" />);
    expect(d).toContain('href="/admin/reconciliation"');
    expect(d).toMatch(/aria-current="page"[^>]*data-testid="admin-nav-reconciliation"/);
    expect(render(<AdminNav current="fraud" />, 'tr')).toContain('Mutabakat');
  });
});
