import { accountModule } from './account/account.module.ts';
import { authModule } from './auth/auth.module.ts';
import { contentModule } from './content/content.module.ts';
import { devicesModule } from './devices/devices.module.ts';
import type {
  AccountDeletionStep,
  ApiCore,
  DomainCore,
  DomainModule,
  JobCore,
  PrivacyExpectations,
  RootRouter,
  ShadowCleanupStep,
} from './domain-module.ts';
import { economyModule } from './economy/economy.module.ts';
import { paymentsModule } from './economy/payments/payments.module.ts';
import { type SqlErrorTable, sqlErrorTable } from './errors.ts';
import { firewallModule } from './firewall/firewall.module.ts';
import type { Job } from './jobs/scheduler.ts';
import { matchModule } from './match/match.module.ts';
import { messagingModule } from './messaging/messaging.module.ts';
import { noTraceModule } from './messaging/no-trace.module.ts';
import { notificationsModule } from './notifications/notifications.module.ts';
import { profilesModule } from './profiles/profiles.module.ts';
import type { RealtimeTopic } from './realtime/topics.ts';
import { safetyModule } from './safety/safety.module.ts';
import { sharedModule } from './shared/shared.module.ts';
import { storageModule } from './storage/storage.module.ts';

/**
 * THE list of domains. Adding a domain is one line here (docs/architecture.md, "Adding a domain"). Order is
 * mount order: /api routers and root routers are mounted in it (the first route that matches wins), and
 * shadow-cleanup and account-deletion steps run in it.
 */
export const domains: readonly DomainModule[] = [
  sharedModule,
  profilesModule,
  contentModule,
  notificationsModule,
  safetyModule,
  firewallModule,
  devicesModule,
  matchModule,
  messagingModule,
  economyModule,
  accountModule,
  storageModule,
  noTraceModule,
  paymentsModule,
  authModule,
];

/** Every /api router, in mount order. */
export function apiRouters(core: DomainCore, list = domains) {
  const apiCore: ApiCore = { ...core, accountDeletion: accountDeletionSteps(list) };
  return list.flatMap((d) => d.api?.(apiCore) ?? []);
}

/** Every top-level router, in mount order; profile-gated ones are absent when their profile is not active. */
export const rootRouters = (core: DomainCore, list = domains): RootRouter[] =>
  list.flatMap((d) => d.root?.(core) ?? []);

export const shadowCleanupSteps = (list = domains): ShadowCleanupStep[] =>
  list.flatMap((d) => d.shadowCleanup ?? []);

/**
 * Every domain's account-deletion steps in the order they run (in one transaction): registry order, except that
 * a domain's steps wait for the domains named in its `after`. An unknown domain or a cycle throws.
 */
export function accountDeletionSteps(list = domains): AccountDeletionStep[] {
  const names = new Set(list.map((d) => d.name));
  const pending = list.filter((d) => d.accountDeletion?.length);
  const waitsFor = new Map(
    pending.map((d) => {
      const after = d.accountDeletion!.flatMap((s) => s.after ?? []);
      for (const n of after)
        if (!names.has(n)) throw new Error(`${d.name}: account deletion after unknown domain ${n}`);
      // Only domains that have steps of their own can hold others back.
      return [d.name, new Set(after.filter((n) => pending.some((p) => p.name === n)))] as const;
    }),
  );
  const done = new Set<string>();
  const out: AccountDeletionStep[] = [];
  while (pending.length) {
    const i = pending.findIndex((d) => [...waitsFor.get(d.name)!].every((n) => done.has(n)));
    if (i < 0)
      throw new Error(`account deletion steps wait for each other: ${pending.map((d) => d.name).join(', ')}`);
    const [d] = pending.splice(i, 1);
    for (const step of d!.accountDeletion!) out.push({ domain: d!.name, sql: step.sql });
    done.add(d!.name);
  }
  return out;
}

/** Every background job of the server; names are unique (edge functions look jobs up by name). */
export function serverJobs(core: Omit<JobCore, 'shadowCleanup'>, list = domains): Job[] {
  const jobCore: JobCore = { ...core, shadowCleanup: shadowCleanupSteps(list) };
  const jobs = list.flatMap((d) => d.jobs?.(jobCore) ?? []);
  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name)) throw new Error(`job ${job.name} is declared twice`);
    names.add(job.name);
  }
  return jobs;
}

export const realtimeTopics = (list = domains): RealtimeTopic[] => list.flatMap((d) => d.realtime ?? []);

/** What the realtime dispatcher serves: every domain's topics and client frame handlers. */
export const realtimeOf = (list = domains) => ({
  topics: realtimeTopics(list),
  inbound: list.flatMap((d) => d.realtimeInbound ?? []),
});

/** Custom SQLSTATE → API error, from every domain (createHttpApp hands it to fromPgError on each request). */
export const sqlErrorsOf = (list = domains): SqlErrorTable =>
  sqlErrorTable(list.flatMap((d) => d.sqlErrors ?? []));

/** The privacy probe's expectations, merged; an operation claimed by two domains throws. */
export function privacyExpectations(list = domains): Required<PrivacyExpectations> {
  const out: Required<PrivacyExpectations> = { writes: {}, excluded: {}, getOwnOnly: {} };
  const owner = new Map<string, string>();
  for (const d of list) {
    for (const kind of ['writes', 'excluded', 'getOwnOnly'] as const) {
      for (const [op, why] of Object.entries(d.privacy?.[kind] ?? {})) {
        const had = owner.get(op);
        if (had) throw new Error(`privacy expectation for ${op} is declared by ${had} and ${d.name}`);
        owner.set(op, d.name);
        out[kind][op] = why;
      }
    }
  }
  return out;
}
