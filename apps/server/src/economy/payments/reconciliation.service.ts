import type { ReconciliationItem, ReconciliationListQuery, ResolveReconciliation } from '@ipelya/contracts';
import { ReconciliationListQuerySchema, ResolveReconciliationSchema } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { DomainError, notFound } from '../../errors.ts';
import { iso } from '../../http/pagination.ts';

type Row = Omit<
  ReconciliationItem,
  'resolved_at' | 'created_at' | 'reported_amount_minor' | 'expected_amount_minor'
> & {
  reported_amount_minor: string | null;
  expected_amount_minor: string | null;
  resolved_at: Date | null;
  created_at: Date;
};

const SELECT = `select r.id, r.kind, r.provider, r.external_id, r.checkout_id, r.purchase_id, p.status as purchase_status,
    r.user_id, r.reported_amount_minor::text, r.reported_currency, r.expected_amount_minor::text, r.expected_currency,
    r.detail, r.status, r.resolution, r.note, r.resolved_at, r.created_at
  from public.reconciliation_items r left join public.coin_purchases p on p.id = r.purchase_id`;

const toItem = (r: Row): ReconciliationItem => ({
  ...r,
  reported_amount_minor: r.reported_amount_minor === null ? null : Number(r.reported_amount_minor),
  expected_amount_minor: r.expected_amount_minor === null ? null : Number(r.expected_amount_minor),
  resolved_at: iso(r.resolved_at),
  created_at: iso(r.created_at)!,
});

/** Admins only: fraud_require_admin answers 403 to anyone else (RLS would answer an empty list). */
const requireAdmin = (tx: Queryable) => tx.query('select public.fraud_require_admin()');

export async function listReconciliation(db: Database, claims: JwtClaims, query: ReconciliationListQuery) {
  const q = ReconciliationListQuerySchema.parse(query);
  return db.asUser(claims, async (tx) => {
    await requireAdmin(tx);
    const { rows } = await tx.query<Row>(
      `${SELECT} where ($1::text is null or r.status = $1) order by r.created_at desc, r.id limit $2`,
      [q.status ?? null, q.limit ?? 50],
    );
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
    await requireAdmin(tx);
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
    const { rows: item } = await tx.query<Row>(`${SELECT} where r.id = $1`, [id]);
    if (!item[0]) throw notFound('reconciliation item');
    return { ...toItem(item[0]), credited: r.credited };
  });
}
