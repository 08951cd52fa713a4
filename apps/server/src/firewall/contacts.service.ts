import { type ContactsStatus, MAX_CONTACT_HASHES, type UploadContactsSchema } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import type { z } from 'zod';
import { iso } from '../shared/pagination.ts';
import type { SocialFirewall } from './social-firewall.ts';

async function readStatus(tx: Queryable, firewall: SocialFirewall): Promise<ContactsStatus> {
  const { rows } = await tx.query<{ count: string | number; updated_at: Date | null }>(
    'select count(*) as count, max(created_at) as updated_at from public.contact_hashes where user_id = auth.uid()',
  );
  const count = Number(rows[0]?.count ?? 0);
  return {
    enabled: count > 0,
    count,
    hash_key: firewall.hashKey(),
    updated_at: iso(rows[0]?.updated_at ?? null),
  };
}

export async function contactsStatus(db: Database, firewall: SocialFirewall, claims: JwtClaims) {
  firewall.hashKey(); // not configured → clear error before touching the database
  return db.asUser(claims, (tx) => readStatus(tx, firewall));
}

/** Stores the app's keyed hashes keyed once more with the server secret; all or nothing. */
export async function uploadContacts(
  db: Database,
  firewall: SocialFirewall,
  claims: JwtClaims,
  input: z.output<typeof UploadContactsSchema>,
) {
  const kinds = input.hashes.map((h) => h.kind);
  const hashes = input.hashes.map((h) => firewall.keyed(h.hash));
  return db.asUser(claims, async (tx) => {
    await tx.query('select public.upload_contact_hashes($1::text[], $2::text[], $3, $4)', [
      kinds,
      hashes,
      input.replace,
      MAX_CONTACT_HASHES,
    ]);
    return readStatus(tx, firewall);
  });
}

export async function deleteContacts(db: Database, firewall: SocialFirewall, claims: JwtClaims) {
  firewall.hashKey();
  return db.asUser(claims, async (tx) => {
    await tx.query('delete from public.contact_hashes where user_id = auth.uid()');
    return readStatus(tx, firewall);
  });
}
