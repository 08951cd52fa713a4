import type { CreateReport } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { notFound } from '../errors.ts';

/** Whether the reporter can see the thing they report; you can only report what you can see. */
async function targetVisible(tx: Queryable, type: CreateReport['target_type'], id: string): Promise<boolean> {
  const sql = {
    profile: `select 1 from public.profiles where id = $1`,
    post: `select 1 from public.posts where id = $1`,
    message: `select 1 from public.messages where id = $1`,
  }[type];
  const { rows } = await tx.query(sql, [id]);
  return rows.length > 0;
}

/**
 * Files a report as the active persona. The row is readable only by its reporter (and moderators on the
 * service path), so the reported party can never learn who reported. Reporting twice is idempotent.
 */
export async function createReport(
  db: Database,
  claims: JwtClaims,
  input: CreateReport,
): Promise<{ id: string }> {
  return db.asUser(claims, async (tx) => {
    if (!(await targetVisible(tx, input.target_type, input.target_id))) throw notFound(input.target_type);
    const { rows } = await tx.query<{ id: string }>(
      `insert into public.reports (reporter_profile_id, target_type, target_id, reason, details)
       values (public.current_persona_id(), $1, $2, $3, $4)
       on conflict (reporter_user_id, target_type, target_id, reason) do nothing returning id`,
      [input.target_type, input.target_id, input.reason, input.details ?? ''],
    );
    if (rows[0]) return rows[0];
    const { rows: existing } = await tx.query<{ id: string }>(
      'select id from public.reports where reporter_user_id = auth.uid() and target_type = $1 and target_id = $2 and reason = $3',
      [input.target_type, input.target_id, input.reason],
    );
    return existing[0]!;
  });
}
