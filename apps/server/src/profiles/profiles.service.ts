import type { Me, OwnProfile, Persona, PublicProfile, UpdateProfile } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { DomainError, inputErrorOn, notFound } from '../errors.ts';
import { cursorAt, decodeCursor, iso, keysetPage } from '../shared/pagination.ts';

type ProfileRow = {
  id: string;
  kind: Persona;
  handle: string;
  display_name: string;
  bio: string;
  avatar_media_id: string | null;
  is_creator: boolean;
  is_demo: boolean;
  created_at: Date;
};

const ownProfile = (r: ProfileRow): OwnProfile => ({
  id: r.id,
  kind: r.kind,
  handle: r.handle,
  display_name: r.display_name,
  bio: r.bio,
  avatar_media_id: r.avatar_media_id,
  is_creator: r.is_creator,
  created_at: iso(r.created_at)!,
});

const PUBLIC_COLUMNS = `p.id, p.kind, p.handle, p.display_name, p.bio, p.avatar_media_id, p.is_creator, p.is_demo, p.created_at,
  public.follower_count(p.id) as followers_count, public.is_following(p.id) as is_following`;

type PublicRow = ProfileRow & { followers_count: string | number | null; is_following: boolean };
const publicProfile = (r: PublicRow): PublicProfile => ({
  ...ownProfile(r),
  is_demo: r.is_demo,
  followers_count: r.followers_count === null ? null : Number(r.followers_count),
  is_following: r.is_following === true,
});

async function loadMe(tx: Queryable, claims: JwtClaims): Promise<Me> {
  // persona_links is readable only by its owner: this is the one place both personas meet, for the owner.
  const { rows } = await tx.query<ProfileRow & { link_kind: Persona }>(
    `select p.*, l.kind as link_kind from public.persona_links l join public.profiles p on p.id = l.profile_id
     where l.user_id = auth.uid()`,
  );
  const { rows: acct } = await tx.query<{ age_verified_at: Date | null; is_admin: boolean }>(
    'select age_verified_at, is_admin from public.accounts where user_id = auth.uid()',
  );
  const real = rows.find((r) => r.link_kind === 'real');
  const shadow = rows.find((r) => r.link_kind === 'shadow');
  const persona: Persona = claims.persona === 'shadow' ? 'shadow' : 'real';
  const active = persona === 'shadow' ? shadow : real;
  if (!active) throw notFound('profile');
  return {
    persona,
    active_profile: ownProfile(active),
    real_profile: real ? ownProfile(real) : null,
    shadow_profile: shadow ? ownProfile(shadow) : null,
    age_verified: Boolean(acct[0]?.age_verified_at),
    is_admin: acct[0]?.is_admin === true,
    email: typeof claims.email === 'string' && claims.email ? claims.email : null,
    phone: typeof claims.phone === 'string' && claims.phone ? claims.phone : null,
  };
}

export const getMe = (db: Database, claims: JwtClaims) => db.asUser(claims, (tx) => loadMe(tx, claims));

export async function updateMe(db: Database, claims: JwtClaims, patch: UpdateProfile): Promise<Me> {
  return db.asUser(claims, async (tx) => {
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const key of ['handle', 'display_name', 'bio', 'avatar_media_id', 'screenshot_policy'] as const) {
      if (patch[key] !== undefined) {
        params.push(patch[key]);
        sets.push(`${key} = $${params.length}`);
      }
    }
    if (patch.avatar_media_id) {
      const { rows } = await tx.query(
        `select 1 from public.media_objects where id = $1 and owner_id = public.current_persona_id() and status = 'ready'
           and content_type like 'image/%'`,
        [patch.avatar_media_id],
      );
      if (!rows[0])
        throw new DomainError(
          'validation',
          'validation_failed',
          'avatar_media_id must be one of your uploaded images',
          { fields: [{ path: 'avatar_media_id', message: 'not your uploaded image' }] },
        );
    }
    if (sets.length) {
      try {
        const res = await tx.query(
          `update public.profiles set ${sets.join(', ')}, updated_at = now() where id = public.current_persona_id()`,
          params,
        );
        if (res.rowCount !== 1) throw notFound('profile');
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw new DomainError('conflict', 'handle_taken', 'this handle is taken', {
            fields: [{ path: 'handle', message: 'taken' }],
          });
        }
        throw err;
      }
    }
    return loadMe(tx, claims);
  });
}

export async function verifyAge(db: Database, claims: JwtClaims, birthDate: string): Promise<Me> {
  return db.asUser(claims, async (tx) => {
    await tx.query('select public.verify_age($1::date)', [birthDate]).catch(inputErrorOn('birth_date'));
    return loadMe(tx, claims);
  });
}

export async function becomeCreator(db: Database, claims: JwtClaims): Promise<Me> {
  return db.asUser(claims, async (tx) => {
    await tx.query('select public.become_creator()');
    return loadMe(tx, claims);
  });
}

/** Records the persona for the caller's session; the caller then needs fresh tokens carrying it. */
export async function switchPersona(db: Database, claims: JwtClaims, persona: Persona): Promise<void> {
  await db.asUser(claims, (tx) => tx.query('select public.switch_persona($1)', [persona]));
}

export async function getPublicProfile(
  db: Database,
  claims: JwtClaims | null,
  handle: string,
): Promise<PublicProfile> {
  return db.as(claims, async (tx) => {
    const { rows } = await tx.query<PublicRow>(
      `select ${PUBLIC_COLUMNS} from public.profiles p where p.handle = $1 and p.status = 'active'`,
      [handle.toLowerCase()],
    );
    if (!rows[0]) throw notFound('profile');
    return publicProfile(rows[0]);
  });
}

/** Creators to discover, newest first. Real creator profiles only: discovery of shadows is Vibe Match's job. */
export async function listCreators(
  db: Database,
  claims: JwtClaims | null,
  q: { cursor?: string; limit: number },
) {
  const after = decodeCursor(q.cursor);
  return db.as(claims, async (tx) => {
    const { rows } = await tx.query<PublicRow & { cursor_at: string }>(
      `select ${PUBLIC_COLUMNS}, ${cursorAt('p.created_at')} as cursor_at from public.profiles p
       where p.is_creator and p.kind = 'real' and p.status = 'active'
         and ($1::timestamptz is null or (p.created_at, p.id) < ($1::timestamptz, $2::uuid))
       order by p.created_at desc, p.id desc limit $3`,
      [after?.at ?? null, after?.id ?? null, q.limit + 1],
    );
    return keysetPage(rows, q.limit, publicProfile, (r) => r.id);
  });
}

/**
 * Search among personas of the caller's own kind (real finds real, shadow finds shadow), by handle or
 * display-name prefix. RLS leaves out blocked personas and shadows behind the firewall.
 */
/**
 * Same-kind profiles whose handle or display name starts with `q`, handle matches first. Candidate-first
 * (decision 021): starts_with() is leakproof, so both prefixes are index conditions
 * (profiles_handle_prefix_idx, profiles_search_name_prefix_idx) and the profiles policy runs on the matches
 * only. Same rows as the `like 'q%'` it replaced: the prefix is literal (no escaping), the column is lower-case.
 */
export async function searchProfiles(db: Database, claims: JwtClaims, q: { q: string; limit: number }) {
  const prefix = q.q.toLowerCase();
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<PublicRow>(
      `select ${PUBLIC_COLUMNS} from public.profiles p
       where p.kind = public.current_persona() and p.status = 'active' and p.id <> public.current_persona_id()
         and (starts_with(p.handle, $1) or starts_with(p.search_name, $1))
       order by starts_with(p.handle, $1) desc, p.handle limit $2`,
      [prefix, q.limit],
    );
    return { items: rows.map(publicProfile) };
  });
}

/** Profile ids are public; resolving one to check existence goes through RLS like everything else. */
export async function profileExists(tx: Queryable, id: string): Promise<boolean> {
  const { rows } = await tx.query(`select 1 from public.profiles where id = $1 and status = 'active'`, [id]);
  return rows.length > 0;
}
