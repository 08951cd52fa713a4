import { type ApiClient, ApiClientError } from '@ipelya/api-client';
import type { ReconciliationItem, ReconciliationResult } from '@ipelya/contracts';
import type { MessageKey } from '../../../../i18n/messages.ts';
import type { Language } from '../../../../i18n/negotiate.ts';

export type ReconcileAction = 'credit' | 'reject' | 'dismiss';

/**
 * Mirrors reconciliation_resolve: only a purchase still held for an amount mismatch can be credited, so
 * the button is not offered where the database would refuse it anyway.
 */
export function actionsFor(item: ReconciliationItem): ReconcileAction[] {
  if (item.status === 'resolved') return [];
  const creditable = item.kind === 'amount_mismatch' && item.purchase_status === 'held';
  return creditable ? ['credit', 'reject', 'dismiss'] : ['reject', 'dismiss'];
}

/** The reported amount differs from what the purchase expected (currency or minor units). */
export function amountsDiffer(item: ReconciliationItem): boolean {
  if (item.reported_amount_minor === null || item.expected_amount_minor === null) return false;
  return (
    item.reported_amount_minor !== item.expected_amount_minor ||
    (item.reported_currency ?? '').toUpperCase() !== (item.expected_currency ?? '').toUpperCase()
  );
}

export type RowError = { message: MessageKey; detail: string | null };

/** An API refusal → a translated sentence for the row, with the API's own message kept as detail. */
export function rowErrorFrom(err: unknown): RowError {
  if (!(err instanceof ApiClientError)) return { message: 'admin.actionError', detail: null };
  const detail = err.message || null;
  if (err.status === 409) return { message: 'admin.reconciliation.error.resolved', detail };
  if (err.status === 403) return { message: 'admin.forbidden.body', detail: null };
  if (err.status === 404) return { message: 'admin.reconciliation.error.missing', detail };
  if (err.status === 400) return { message: 'admin.reconciliation.error.refused', detail };
  return { message: 'admin.actionError', detail };
}

const LOCALE: Record<Language, string> = { tr: 'tr-TR', en: 'en-US' };
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** How long an item has waited, in words ("3 hours ago"); "now" under a minute. */
export function ageLabel(iso: string, now: number, lang: Language): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  const fmt = new Intl.RelativeTimeFormat(LOCALE[lang], { numeric: 'auto' });
  for (const [unit, size] of STEPS) {
    if (seconds >= size) return fmt.format(-Math.floor(seconds / size), unit);
  }
  return fmt.format(0, 'second');
}

/**
 * Sends the admin's decision; a blank note is left out rather than sent as "". Answers the item as it
 * now stands, for the list to show in place.
 */
export async function resolveItem(
  api: Pick<ApiClient, 'resolveReconciliation'>,
  decision: { id: string; action: ReconcileAction; note: string },
): Promise<ReconciliationItem & Pick<ReconciliationResult, 'credited'>> {
  const note = decision.note.trim();
  return api.resolveReconciliation(decision.id, { action: decision.action, ...(note ? { note } : {}) });
}
