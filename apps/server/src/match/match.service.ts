import type { Database, JwtClaims } from '@ipelya/db';
import { DomainError } from '../errors.ts';

export const VECTOR_UNAVAILABLE = 'vector search is not available on this database';

/** Creators nearest to the active persona's vibe vector (pgvector HNSW, cosine distance). */
export async function similarCreators(db: Database, claims: JwtClaims, k: number) {
  if (!db.capabilities.vector) throw new DomainError('unavailable', 'vector_unavailable', VECTOR_UNAVAILABLE);
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{
      profile_id: string;
      distance: number;
      handle: string;
      display_name: string;
    }>(
      `select s.profile_id, s.distance, p.handle, p.display_name
       from public.similar_creators($1) s join public.profiles p on p.id = s.profile_id order by s.distance`,
      [k],
    );
    return rows.map((r) => ({
      profile_id: r.profile_id,
      handle: r.handle,
      display_name: r.display_name,
      distance: Number(r.distance),
    }));
  });
}
