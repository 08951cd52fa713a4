import type { Database, JwtClaims } from '@ipelya/db';
import { DomainError, notFound } from '../errors.ts';
import { profileExists } from '../profiles/profiles.service.ts';

export async function follow(db: Database, claims: JwtClaims, profileId: string): Promise<void> {
  await db.asUser(claims, async (tx) => {
    if (profileId === claims.persona_id)
      throw new DomainError('validation', 'cannot_follow_self', 'you cannot follow yourself');
    if (!(await profileExists(tx, profileId))) throw notFound('profile');
    await tx.query(
      'insert into public.follows (follower_id, followee_id) values (public.current_persona_id(), $1) on conflict do nothing',
      [profileId],
    );
  });
}

export async function unfollow(db: Database, claims: JwtClaims, profileId: string): Promise<void> {
  await db.asUser(claims, (tx) =>
    tx.query(
      'delete from public.follows where follower_id = public.current_persona_id() and followee_id = $1',
      [profileId],
    ),
  );
}
