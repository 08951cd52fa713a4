import { z } from 'zod';

export const PlatformSchema = z.enum(['ios', 'android', 'web']);
export const RegisterDeviceSchema = z
  .object({
    install_id: z.string().min(8).max(128),
    platform: PlatformSchema,
    push_token: z.string().max(512).nullable().optional(),
    /** Apple App Attest / DeviceCheck token or Play Integrity token, verified by the server's adapter. */
    attestation: z.string().max(16_384).nullable().optional(),
  })
  .strict();
export type RegisterDevice = z.input<typeof RegisterDeviceSchema>;
export const DeviceSchema = z.object({
  id: z.uuid(),
  install_id: z.string(),
  platform: PlatformSchema,
  attestation_status: z.enum(['none', 'verified', 'failed', 'unverifiable']),
  created_at: z.string(),
  last_seen_at: z.string(),
});
export const SessionInfoSchema = z.object({
  id: z.uuid(),
  created_at: z.string(),
  updated_at: z.string().nullable(),
  user_agent: z.string().nullable(),
  ip: z.string().nullable(),
  device_id: z.uuid().nullable(),
  persona: z.enum(['real', 'shadow']),
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

/** Supabase Auth session as returned by /auth/v1/verify and /auth/v1/token. */
export const AuthSessionSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number(),
  expires_at: z.number(),
  refresh_token: z.string(),
  user: z.record(z.string(), z.unknown()),
});
export type AuthSession = z.infer<typeof AuthSessionSchema>;

/** Header both apps send so the server can bind sessions to a device. */
export const DEVICE_HEADER = 'x-ipelya-device';
export const PLATFORM_HEADER = 'x-ipelya-platform';

/**
 * Embedded (local) mode uses the same well-known demo JWT secret and anon key as the Supabase CLI's
 * local stack, so the apps work without configuration. Production replaces both through env.
 */
export const LOCAL_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
export const LOCAL_ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';
export const LOCAL_SERVER_PORT = 54321;
export const LOCAL_SERVER_URL = `http://localhost:${LOCAL_SERVER_PORT}`;
