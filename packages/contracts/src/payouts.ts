import { z } from 'zod';

export const PayoutStatusSchema = z.enum(['awaiting_approval', 'scheduled', 'processing', 'paid', 'failed']);
export type PayoutStatus = z.infer<typeof PayoutStatusSchema>;
export const PayoutProviderSchema = z.enum(['local', 'stripe', 'iyzico']);
export type PayoutProviderName = z.infer<typeof PayoutProviderSchema>;

export const PayoutEventSchema = z.object({
  status: z.string(),
  note: z.string().nullable(),
  created_at: z.string(),
});

export const PayoutSchema = z.object({
  id: z.uuid(),
  creator_id: z.uuid(),
  amount_coins: z.number().int(),
  /** Fiat in minor units of `currency` (USD cents; kuruş for Iyzico payouts). */
  amount_minor: z.number().int(),
  currency: z.string(),
  status: PayoutStatusSchema,
  /** Why it waits for an admin: the creator's first payout, or a large one. */
  approval_reason: z.enum(['first_payout', 'large_payout']).nullable(),
  provider: PayoutProviderSchema,
  external_id: z.string().nullable(),
  attempts: z.number().int(),
  next_attempt_at: z.string().nullable(),
  last_error: z.string().nullable(),
  approved_at: z.string().nullable(),
  period_start: z.string(),
  period_end: z.string(),
  created_at: z.string(),
  /** Every step, oldest first. */
  events: z.array(PayoutEventSchema),
});
export type Payout = z.infer<typeof PayoutSchema>;

export const PayoutListSchema = z.object({ items: z.array(PayoutSchema) });

export const AdminPayoutQuerySchema = z.object({
  status: PayoutStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const PayoutAccountInputSchema = z
  .object({
    provider: PayoutProviderSchema,
    /** Stripe: the connected account id (acct_…). Iyzico: an IBAN or iyzico member id. */
    account_id: z.string().trim().min(1).max(128),
    /** Iyzico IBAN payouts need the account holder's name. */
    holder_name: z.string().trim().min(1).max(140).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.provider === 'stripe' && !/^acct_[A-Za-z0-9]+$/.test(v.account_id))
      ctx.addIssue({
        code: 'custom',
        path: ['account_id'],
        message: 'a Stripe connected account id looks like acct_…',
      });
  });
export type PayoutAccountInput = z.infer<typeof PayoutAccountInputSchema>;

export const PayoutAccountSchema = z.object({
  provider: PayoutProviderSchema,
  account_id: z.string(),
  holder_name: z.string().nullable(),
  updated_at: z.string(),
});
export type PayoutAccount = z.infer<typeof PayoutAccountSchema>;
