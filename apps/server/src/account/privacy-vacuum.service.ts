import type { Database } from '@ipelya/db';

export type PrivacyVacuumMode = 'plain' | 'full' | 'off';

/** Tables an account deletion removes personal rows from (handles, bios, post bodies, addresses, hashes). */
export const PRIVACY_VACUUM_TABLES = [
  'public.profiles',
  'public.posts',
  'public.post_contents',
  'public.post_media',
  'public.media_objects',
  'public.messages',
  'public.conversations',
  'public.conversation_members',
  'public.notifications',
  'public.follows',
  'public.contact_hashes',
  'public.identity_hashes',
  'public.network_sightings',
  'public.persona_links',
  'public.purge_queue',
  // The deletion's own context (user and persona ids), inserted and deleted in its transaction.
  'public.account_deletions',
  'auth.users',
  'auth.sessions',
  'auth.refresh_tokens',
  'auth.otp_challenges',
  'auth.rate_events',
] as const;

/**
 * After account deletions (profiles_deleted_vacuum queues a request), VACUUMs the tables they touched so dead
 * rows leave the table and index files: `full` rewrites each table into a new file (the old one is unlinked;
 * exclusive lock while it runs), `plain` only makes the space reusable (the bytes stay until overwritten).
 * VACUUM cannot run in a transaction, so each runs on its own. What stays is documented in
 * docs/privacy-residuals.md. Returns the tables vacuumed.
 */
export async function runPrivacyVacuum(db: Database, mode: PrivacyVacuumMode): Promise<number> {
  if (mode === 'off') return 0;
  const claimed = await db.service('privacy-vacuum:claim', async (tx) => {
    const { rows } = await tx.query('delete from public.vacuum_requests returning id');
    return rows.length;
  });
  if (!claimed) return 0;
  let done = 0;
  try {
    for (const table of PRIVACY_VACUUM_TABLES) {
      const { rows } = await db.driver.query<{ ok: boolean }>('select to_regclass($1) is not null as ok', [
        table,
      ]);
      if (!rows[0]?.ok) continue;
      // Names come from the list above, never from input. A table the role does not own is skipped with a warning.
      await db.driver.exec(`vacuum ${mode === 'full' ? '(full) ' : ''}${table}`);
      done += 1;
    }
  } catch (err) {
    await db.service('privacy-vacuum:retry', (tx) =>
      tx.query('insert into public.vacuum_requests default values'),
    );
    throw err;
  }
  return done;
}
