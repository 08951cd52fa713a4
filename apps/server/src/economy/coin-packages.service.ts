import type { AdminCoinPackage, CreateCoinPackage, UpdateCoinPackage } from '@ipelya/contracts';
import { CreateCoinPackageSchema, UpdateCoinPackageSchema } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { forbidden, notFound } from '../errors.ts';
import { iso } from '../shared/pagination.ts';

type Row = Omit<AdminCoinPackage, 'coins' | 'created_at'> & { coins: string; created_at: Date };
const COLUMNS = 'id, code, coins::text, prices, apple_product_id, google_product_id, active, created_at';
const shape = (r: Row): AdminCoinPackage => ({
  ...r,
  coins: Number(r.coins),
  created_at: iso(r.created_at)!,
});

/**
 * Admin coin package management. Every statement runs as the admin under RLS (policies on is_admin() and
 * column grants, migration 20261204100000); the explicit check first only makes a non-admin's answer a
 * clear 403 instead of an empty list or a 404.
 */
async function asAdmin<T>(db: Database, claims: JwtClaims, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ ok: boolean }>('select public.is_admin() as ok');
    if (rows[0]?.ok !== true) throw forbidden('admins only');
    return fn(tx);
  });
}

export async function adminListPackages(db: Database, claims: JwtClaims): Promise<AdminCoinPackage[]> {
  return asAdmin(db, claims, async (tx) => {
    const { rows } = await tx.query<Row>(
      `select ${COLUMNS} from public.coin_packages order by active desc, coins, code`,
    );
    return rows.map(shape);
  });
}

export async function createPackage(
  db: Database,
  claims: JwtClaims,
  input: CreateCoinPackage,
): Promise<AdminCoinPackage> {
  const v = CreateCoinPackageSchema.parse(input);
  return asAdmin(db, claims, async (tx) => {
    const { rows } = await tx.query<Row>(
      `insert into public.coin_packages (code, coins, prices, apple_product_id, google_product_id, active)
       values ($1, $2, $3::jsonb, $4, $5, $6) returning ${COLUMNS}`,
      [v.code, v.coins, JSON.stringify(v.prices), v.apple_product_id, v.google_product_id, v.active],
    );
    return shape(rows[0]!);
  });
}

export async function updatePackage(
  db: Database,
  claims: JwtClaims,
  id: string,
  input: UpdateCoinPackage,
): Promise<AdminCoinPackage> {
  const v = UpdateCoinPackageSchema.parse(input);
  return asAdmin(db, claims, async (tx) => {
    // Each field is either kept or replaced; the flags say which, so null can clear a store product id.
    const { rows } = await tx.query<Row>(
      `update public.coin_packages set
         coins = coalesce($2, coins),
         prices = coalesce($3::jsonb, prices),
         apple_product_id = case when $4 then $5 else apple_product_id end,
         google_product_id = case when $6 then $7 else google_product_id end,
         active = coalesce($8, active)
       where id = $1 returning ${COLUMNS}`,
      [
        id,
        v.coins ?? null,
        v.prices ? JSON.stringify(v.prices) : null,
        'apple_product_id' in v,
        v.apple_product_id ?? null,
        'google_product_id' in v,
        v.google_product_id ?? null,
        v.active ?? null,
      ],
    );
    if (!rows[0]) throw notFound('coin package');
    return shape(rows[0]);
  });
}

/** Takes a package off sale; it stays for the purchases that reference it and can be re-activated. */
export async function archivePackage(db: Database, claims: JwtClaims, id: string): Promise<AdminCoinPackage> {
  return updatePackage(db, claims, id, { active: false });
}
