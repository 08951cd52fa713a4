import type { BlockedProfile } from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';
import { invalid, notFound } from '../errors.ts';
import { iso } from '../shared/pagination.ts';

type BlockRow = {
  id: string;
  kind: 'real' | 'shadow';
  handle: string;
  display_name: string;
  created_at: Date;
};

const toBlocked = (r: BlockRow): BlockedProfile => ({
  profile: { id: r.id, kind: r.kind, handle: r.handle, display_name: r.display_name },
  blocked_at: iso(r.created_at)!,
});

const SELECT = `select p.id, p.kind, p.handle, p.display_name, b.created_at
  from public.blocks b join public.profiles p on p.id = b.blocked_id`;

/** The active persona's blocks, newest first (each persona has its own list). */
export async function listBlocks(db: Database, claims: JwtClaims) {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<BlockRow>(
      `${SELECT} where b.blocker_id = public.current_persona_id() order by b.created_at desc, p.id limit 1000`,
    );
    return { items: rows.map(toBlocked) };
  });
}

/** Blocks a persona the caller can see; blocking again is a no-op. */
export async function block(db: Database, claims: JwtClaims, profileId: string): Promise<BlockedProfile> {
  if (profileId === claims.persona_id) throw invalid('profile_id', 'you cannot block yourself');
  return db.asUser(claims, async (tx) => {
    await tx.query(
      `insert into public.blocks (blocker_id, blocked_id)
       select public.current_persona_id(), p.id from public.profiles p where p.id = $1
       on conflict do nothing`,
      [profileId],
    );
    const { rows } = await tx.query<BlockRow>(
      `${SELECT} where b.blocker_id = public.current_persona_id() and b.blocked_id = $1`,
      [profileId],
    );
    if (!rows[0]) throw notFound('profile');
    return toBlocked(rows[0]);
  });
}

export async function unblock(db: Database, claims: JwtClaims, profileId: string): Promise<void> {
  await db.asUser(claims, async (tx) => {
    const res = await tx.query(
      'delete from public.blocks where blocker_id = public.current_persona_id() and blocked_id = $1',
      [profileId],
    );
    if (res.rowCount !== 1) throw notFound('block');
  });
}
