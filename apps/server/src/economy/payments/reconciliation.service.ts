import type { ReconciliationItem, ReconciliationListQuery, ResolveReconciliation } from '@ipelya/contracts';
import { ReconciliationListQuerySchema, ResolveReconciliationSchema } from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';
import { DomainError, notFound } from '../../errors.ts';
import { iso } from '../../shared/pagination.ts';

type Row = Omit<
  ReconciliationItem,
  'resolved_at' | 'created_at' | 'reported_amount_minor' | 'expected_amount_minor'
> & {
  reported_amount_minor: string | null;
  expected_amount_minor: string | null;
  resolved_at: Date | null;
  created_at: Date;
};

const SELECT = `select id, kind, provider, external_id, checkout_id, purchase_id, purchase_status, user_id,
    reported_amount_minor::text, reported_currency, expected_amount_minor::text, expected_currency, detail, status,
    resolution, note, resolved_at, created_at
  from public.reconciliation_list($1, $2, $3)`;

const toItem = (r: Row): ReconciliationItem => ({
  ...r,
  reported_amount_minor: r.reported_amount_minor === null ? null : Number(r.reported_amount_minor),
  expected_amount_minor: r.expected_amount_minor === null ? null : Number(r.expected_amount_minor),
  resolved_at: iso(r.resolved_at),
  created_at: iso(r.created_at)!,
});

export async function listReconciliation(db: Database, claims: JwtClaims, query: ReconciliationListQuery) {
  const q = ReconciliationListQuerySchema.parse(query);
  return db.asUser(claims, async (tx) => {
    // reconciliation_list answers 403 to anyone but an admin (RLS alone would answer an empty list).
    const { rows } = await tx.query<Row>(SELECT, [q.status ?? null, q.limit ?? 50, null]);
    return rows.map(toItem);
  });
}

/** Resolves an item once; a second decision answers 409 reconciliation_resolved. */
export async function resolveReconciliation(
  db: Database,
  claims: JwtClaims,
  id: string,
  body: ResolveReconciliation,
  requestId: string | null,
) {
  const v = ResolveReconciliationSchema.parse(body);
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ result: string; credited: boolean }>(
      'select * from public.reconciliation_resolve($1, $2, $3, $4)',
      [id, v.action, v.note ?? null, requestId],
    );
    const r = rows[0]!;
    if (r.result.startsWith('already_'))
      throw new DomainError(
        'conflict',
        'reconciliation_resolved',
        `this item was already ${r.result.replace('already_', '')}`,
      );
    const { rows: item } = await tx.query<Row>(SELECT, [null, 1, id]);
    if (!item[0]) throw notFound('reconciliation item');
    return { ...toItem(item[0]), credited: r.credited };
  });
}
