import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import type { PrivacyVacuumMode } from './account/privacy-vacuum.service.ts';
import type { SqlErrorCode } from './errors.ts';
import type { AppEnv } from './http/context.ts';
import type { Job } from './jobs/scheduler.ts';
import type { RealtimeInbound, RealtimeTopic } from './realtime/topics.ts';
import type { ServerCore } from './server.ts';

/** What a module factory receives: the wired server core (database, storage, providers, env …). */
export type DomainCore = Omit<ServerCore, 'scheduler' | 'releaseDataDir'>;

/** What /api router factories receive: the core, plus the registry's own lists they run. */
export type ApiCore = DomainCore & {
  /** Every domain's account-deletion steps, ordered (the account domain's delete route runs them). */
  accountDeletion: AccountDeletionStep[];
};

/** What job factories receive: the core, plus the registry's own lists they run. */
export type JobCore = DomainCore & {
  privacyVacuum: PrivacyVacuumMode;
  /** Every domain's shadow-cleanup steps, in registry order (the shadow-cache-cleaner job runs them). */
  shadowCleanup: ShadowCleanupStep[];
};

/** A router mounted outside /api (webhooks, signed storage URLs, Supabase-compatible auth …). */
export type RootRouter = { path: string; app: Hono<AppEnv> };

/**
 * One batched SQL purge for personas that were switched off or deleted: `select <fn>(as_of, batch)` returning
 * rows removed, run by the shadow-cache cleaner until a batch comes back short.
 */
export type ShadowCleanupStep = { reason: string; fn: string };

/**
 * One domain's part of deleting an account: SQL run as the deleting user inside the single deletion
 * transaction (a step that raises rolls the whole deletion back). `after` names domains whose steps must have
 * run first (messages before the media they point at, everything before the profile row); otherwise steps run
 * in registry order.
 */
export type AccountDeletionStepDecl = { sql: string; after?: string[] };

/** A step as the deletion flow runs it: which domain it belongs to, and its SQL. */
export type AccountDeletionStep = { domain: string; sql: string };

/**
 * What the adversarial privacy probe expects of this domain's documented operations (keys are
 * `METHOD /api/path` as in /openapi.json; values say why). test/privacy/openapi-coverage.test.ts fails when a
 * documented operation is in none of these lists, or a listed one no longer exists.
 */
export type PrivacyExpectations = {
  /** Writes the probe sends about a victim's things, each paired with the same call about a missing target. */
  writes?: Record<string, string>;
  /** Non-GET operations the probe does not call about a victim, and why none can name one. */
  excluded?: Record<string, string>;
  /** GETs whose path parameters name the caller's own things, never a victim's. */
  getOwnOnly?: Record<string, string>;
};

/**
 * Everything one domain contributes to the server. A new domain writes one of these in
 * `src/<domain>/<domain>.module.ts` and adds it to the list in `src/domains.ts`; nothing else changes.
 */
export type DomainModule = {
  name: string;
  /** Routers mounted under /api (after authentication and the body and write-rate limits), in order. */
  api?: (core: ApiCore) => OpenAPIHono<AppEnv>[];
  /** Routers mounted at the root. Profile-gated ones are left out here, so they are never mounted. */
  root?: (core: DomainCore) => RootRouter[];
  /** Background jobs; on Supabase, supabase/functions/<job-name> runs one by name. */
  jobs?: (core: JobCore) => Job[];
  /** Topics the database publishes on the realtime channel that this domain delivers. */
  realtime?: RealtimeTopic[];
  /** Frames clients send on the realtime socket that this domain handles (typing …). */
  realtimeInbound?: RealtimeInbound[];
  /** Custom SQLSTATEs this domain's SQL functions raise, and the API error each becomes. */
  sqlErrors?: SqlErrorCode[];
  shadowCleanup?: ShadowCleanupStep[];
  /** This domain's steps of the one-transaction account deletion, in the order they run. */
  accountDeletion?: AccountDeletionStepDecl[];
  privacy?: PrivacyExpectations;
};

/** Identity, for type-checking a module literal where it is written. */
export const defineDomain = (module: DomainModule): DomainModule => module;
