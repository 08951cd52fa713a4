import { z } from 'zod';
import { AuthSessionSchema } from './auth.ts';
import { PersonaSchema } from './profiles.ts';

/** At most this many hashes per upload, and per user in total. */
export const MAX_CONTACT_HASHES_PER_UPLOAD = 5000;
export const MAX_CONTACT_HASHES = 20_000;

export const ContactHashSchema = z.object({
  kind: z.enum(['phone', 'email']),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'hash must be 64 lowercase hex characters (HMAC-SHA256)'),
});

/** Opt-in contacts upload. `replace` swaps the whole stored set (a fresh address-book sync). */
export const UploadContactsSchema = z
  .object({
    hashes: z.array(ContactHashSchema).min(1).max(MAX_CONTACT_HASHES_PER_UPLOAD),
    replace: z.boolean().default(false),
  })
  .strict();
export type UploadContacts = z.input<typeof UploadContactsSchema>;

export const ContactsStatusSchema = z.object({
  /** True once the user has uploaded contacts (the firewall is on for them). */
  enabled: z.boolean(),
  count: z.number().int(),
  /** The key the app hashes contacts with (contactHash from @ipelya/contracts). */
  hash_key: z.string(),
  updated_at: z.string().nullable(),
});
export type ContactsStatus = z.infer<typeof ContactsStatusSchema>;

export const BlockInputSchema = z.object({ profile_id: z.uuid() }).strict();

export const BlockedProfileSchema = z.object({
  profile: z.object({
    id: z.uuid(),
    kind: PersonaSchema,
    handle: z.string(),
    display_name: z.string(),
  }),
  blocked_at: z.string(),
});
export type BlockedProfile = z.infer<typeof BlockedProfileSchema>;

export const ProfileSearchQuerySchema = z.object({
  q: z.string().trim().min(2, 'q must be at least 2 characters').max(60),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

/** Account deletion is irreversible: the body must say so. */
export const DeleteAccountSchema = z
  .object({
    confirm: z.literal('delete my account', { error: 'confirm must be exactly "delete my account"' }),
  })
  .strict();

/** Whether the shadow persona is on, and what switching it did to this session. */
export const ShadowStateSchema = z.object({
  shadow: z.enum(['active', 'off', 'suspended', 'deleted']),
  /** The session's persona after the call. */
  persona: PersonaSchema,
  /** Fresh tokens (embedded auth) when switching off moved this session out of the shadow persona. */
  session: AuthSessionSchema.nullable(),
  /** With Supabase Auth: call supabase.auth.refreshSession() to get tokens for the real persona. */
  refresh_required: z.boolean(),
});
export type ShadowState = z.infer<typeof ShadowStateSchema>;
