import { z } from 'zod';

/** allow: proceed; review: a purchase is held (a tip passes) until an admin decides; block: refused for good. */
export const FraudOutcomeSchema = z.enum(['allow', 'review', 'block']);
export type FraudOutcome = z.infer<typeof FraudOutcomeSchema>;

export const FraudCaseStatusSchema = z.enum(['open', 'released', 'blocked', 'closed']);
export type FraudCaseStatus = z.infer<typeof FraudCaseStatusSchema>;

/** One rule that fired: its name, its share of the score (0–100) and why, in words a reviewer can act on. */
export const FraudReasonSchema = z.object({
  rule: z.string(),
  score: z.number().int().min(0).max(100).optional(),
  detail: z.string(),
});
export type FraudReason = z.infer<typeof FraudReasonSchema>;

export const FraudCaseSchema = z.object({
  id: z.uuid(),
  subject_type: z.enum(['purchase', 'spend', 'account', 'payout']),
  subject_id: z.string().nullable(),
  score: z.number().int(),
  outcome: FraudOutcomeSchema,
  reasons: z.array(FraudReasonSchema),
  details: z.record(z.string(), z.unknown()),
  status: FraudCaseStatusSchema,
  /** The account (purchases, debts); spends name only the persona that spent. */
  user_id: z.uuid().nullable(),
  profile_id: z.uuid().nullable(),
  reviewed_by: z.uuid().nullable(),
  reviewed_at: z.string().nullable(),
  created_at: z.string(),
  purchase: z
    .object({
      id: z.uuid(),
      status: z.string(),
      provider: z.string(),
      coins: z.number().int(),
      amount_minor: z.number().int(),
      currency: z.string(),
    })
    .nullable(),
});
export type FraudCase = z.infer<typeof FraudCaseSchema>;

export const FraudCaseListQuerySchema = z.object({
  /** Omitted: every case. */
  status: FraudCaseStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  /** created_at of the last case of the previous page. */
  before: z.iso.datetime({ offset: true }).optional(),
});
export type FraudCaseListQuery = z.infer<typeof FraudCaseListQuerySchema>;

export const FraudReleaseSchema = z.object({ note: z.string().max(500).optional() }).strict();
export type FraudRelease = z.infer<typeof FraudReleaseSchema>;

export const FraudBlockSchema = z
  .object({
    /** Also suspend every persona of the account and end its sessions. */
    ban: z.boolean().optional(),
    note: z.string().max(500).optional(),
  })
  .strict();
export type FraudBlock = z.infer<typeof FraudBlockSchema>;

/** The case after the action, plus what the action did. */
export const FraudActionResultSchema = FraudCaseSchema.extend({
  /** A held purchase credited by this release (false on a repeat: it is credited once). */
  credited: z.boolean(),
  banned: z.boolean(),
});
export type FraudActionResult = z.infer<typeof FraudActionResultSchema>;
