import { OpenAPIHono } from '@hono/zod-openapi';
import { ApiErrorSchema } from '@ipelya/contracts';
import type { z } from 'zod';
import type { AppEnv } from './context.ts';
import { validationError } from './errors.ts';
import { assertNoNul } from './input-guard.ts';

/**
 * A router whose request validation failures become the API's error shape with field details; validated input
 * holding a NUL character is refused the same way (PostgreSQL text cannot store it).
 */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error as unknown as z.ZodError);
      assertNoNul(result.data);
    },
  });
}

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

const err = (description: string) => ({
  content: { 'application/json': { schema: ApiErrorSchema } },
  description,
});

/** Error responses every endpoint may answer with. */
export const errors = {
  400: err('Invalid input; details.fields names each bad field'),
  401: err('Not signed in or token invalid'),
  403: err('Not allowed'),
  404: err('Not found'),
  429: err('Rate limited'),
} as const;

export const bearerAuth = [{ bearerAuth: [] }];
