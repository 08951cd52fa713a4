import { createRoute } from '@hono/zod-openapi';
import {
  AgeVerificationSchema,
  AuthSessionSchema,
  CursorQuerySchema,
  HandleSchema,
  MeSchema,
  ProfileSearchQuerySchema,
  PublicProfileSchema,
  page,
  SwitchPersonaSchema,
  UpdateProfileSchema,
} from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import type { AuthService } from '../auth/auth.service.ts';
import { DomainError } from '../errors.ts';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import * as profiles from './profiles.service.ts';

const HandleParam = z.object({ handle: z.string().min(1).max(30) });
const SwitchResultSchema = z.union([
  AuthSessionSchema,
  z.object({ persona: z.enum(['real', 'shadow']), refresh_required: z.literal(true) }),
]);

export function profileRoutes(db: Database, auth: AuthService | null) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/me',
      tags: ['profiles'],
      security: bearerAuth,
      responses: { 200: json(MeSchema, 'Both of your personas (only you see this)'), ...errors },
    }),
    async (c) => c.json(await profiles.getMe(db, requireUser(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/profiles/me',
      tags: ['profiles'],
      security: bearerAuth,
      request: jsonBody(UpdateProfileSchema),
      responses: { 200: json(MeSchema, 'Updated'), ...errors },
    }),
    async (c) => c.json(await profiles.updateMe(db, requireUser(c), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/account/age',
      tags: ['profiles'],
      security: bearerAuth,
      request: jsonBody(AgeVerificationSchema),
      responses: { 200: json(MeSchema, 'Age verified'), ...errors },
    }),
    async (c) => c.json(await profiles.verifyAge(db, requireUser(c), c.req.valid('json').birth_date), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/profiles/me/creator',
      tags: ['profiles'],
      security: bearerAuth,
      responses: { 200: json(MeSchema, 'The active persona is now a creator'), ...errors },
    }),
    async (c) => c.json(await profiles.becomeCreator(db, requireUser(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/personas/switch',
      tags: ['profiles'],
      security: bearerAuth,
      description:
        'Switches the session to the other persona. Embedded auth answers a fresh Supabase session (call supabase.auth.setSession with it); with Supabase Auth it answers refresh_required (call supabase.auth.refreshSession()).',
      request: jsonBody(SwitchPersonaSchema),
      responses: { 200: json(SwitchResultSchema, 'New session or refresh instruction'), ...errors },
    }),
    async (c) => {
      const claims = requireUser(c);
      const { persona } = c.req.valid('json');
      await profiles.switchPersona(db, claims, persona);
      if (!auth) return c.json({ persona, refresh_required: true as const }, 200);
      return c.json(await auth.reissue(claims), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/creators',
      tags: ['profiles'],
      request: { query: CursorQuerySchema },
      responses: { 200: json(page(PublicProfileSchema), 'Creators, newest first'), ...errors },
    }),
    async (c) => c.json(await profiles.listCreators(db, c.get('claims'), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/search/profiles',
      tags: ['profiles'],
      security: bearerAuth,
      request: { query: ProfileSearchQuerySchema },
      responses: {
        200: json(
          z.object({ items: z.array(PublicProfileSchema) }),
          "Profiles of your active persona's kind whose handle or name starts with q",
        ),
        ...errors,
      },
    }),
    async (c) => c.json(await profiles.searchProfiles(db, requireUser(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/profiles/{handle}',
      tags: ['profiles'],
      request: { params: HandleParam },
      responses: { 200: json(PublicProfileSchema, 'Public fields of a profile'), ...errors },
    }),
    async (c) => {
      const { handle } = c.req.valid('param');
      if (!HandleSchema.safeParse(handle.toLowerCase()).success)
        throw new DomainError('not_found', 'not_found', 'profile not found');
      return c.json(await profiles.getPublicProfile(db, c.get('claims'), handle), 200);
    },
  );

  return app;
}
