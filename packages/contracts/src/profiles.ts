import { z } from 'zod';

export const PersonaSchema = z.enum(['real', 'shadow']);
export type Persona = z.infer<typeof PersonaSchema>;

/** Lowercase handle: 3–30 chars of a-z, 0-9, underscore and dot; no leading/trailing dot. */
export const HandleSchema = z
  .string()
  .min(3, 'handle must be at least 3 characters')
  .max(30, 'handle must be at most 30 characters')
  .regex(/^[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?$/, 'handle may contain a-z, 0-9, "_" and "." only');

/** What anybody may see of a profile. Never carries the owner's user id or the other persona. */
export const PublicProfileSchema = z.object({
  id: z.uuid(),
  kind: PersonaSchema,
  handle: z.string(),
  display_name: z.string(),
  bio: z.string(),
  avatar_media_id: z.uuid().nullable(),
  is_creator: z.boolean(),
  is_demo: z.boolean(),
  followers_count: z.number().int().nullable(),
  is_following: z.boolean(),
  created_at: z.string(),
});
export type PublicProfile = z.infer<typeof PublicProfileSchema>;

/** The signed-in user's own view: both personas (only ever shown to their owner). */
export const OwnProfileSchema = z.object({
  id: z.uuid(),
  kind: PersonaSchema,
  handle: z.string(),
  display_name: z.string(),
  bio: z.string(),
  avatar_media_id: z.uuid().nullable(),
  is_creator: z.boolean(),
  created_at: z.string(),
});
export type OwnProfile = z.infer<typeof OwnProfileSchema>;

export const MeSchema = z.object({
  persona: PersonaSchema,
  active_profile: OwnProfileSchema,
  real_profile: OwnProfileSchema.nullable(),
  shadow_profile: OwnProfileSchema.nullable(),
  age_verified: z.boolean(),
  /** The account is an İpelya administrator (accounts.is_admin): the apps show the way to the admin pages. */
  is_admin: z.boolean(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
});
export type Me = z.infer<typeof MeSchema>;

export const UpdateProfileSchema = z
  .object({
    handle: HandleSchema.optional(),
    display_name: z.string().trim().min(1, 'display_name must not be empty').max(60).optional(),
    bio: z.string().max(500, 'bio must be at most 500 characters').optional(),
    avatar_media_id: z.uuid().nullable().optional(),
    screenshot_policy: z.enum(['notify', 'notify_and_blur']).optional(),
  })
  .strict();
export type UpdateProfile = z.infer<typeof UpdateProfileSchema>;

export const AgeVerificationSchema = z
  .object({ birth_date: z.iso.date('birth_date must be a YYYY-MM-DD date') })
  .strict();

export const SwitchPersonaSchema = z.object({ persona: PersonaSchema }).strict();
