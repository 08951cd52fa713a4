import { z } from 'zod';
import { PostSchema } from './content.ts';

/** Header every spending request carries; the same key never charges twice. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IdempotencyKeySchema = z
  .string()
  .min(8, 'Idempotency-Key must be 8–100 characters')
  .max(100, 'Idempotency-Key must be 8–100 characters')
  .regex(/^[\w.:-]+$/, 'Idempotency-Key may contain letters, digits, "_", ".", ":" and "-"');

export const CoinPackageSchema = z.object({
  id: z.uuid(),
  code: z.string(),
  coins: z.number().int(),
  /** Minor units per ISO currency, e.g. { "USD": 199, "TRY": 6999 }. */
  prices: z.record(z.string(), z.number().int()),
  apple_product_id: z.string().nullable(),
  google_product_id: z.string().nullable(),
});
export type CoinPackage = z.infer<typeof CoinPackageSchema>;

export const WalletEntrySchema = z.object({
  transaction_id: z.uuid(),
  kind: z.string(),
  amount: z.number().int(),
  created_at: z.string(),
});
export const WalletSchema = z.object({
  balance: z.number().int(),
  in_debt: z.boolean(),
  history: z.array(WalletEntrySchema),
  next_cursor: z.string().nullable(),
});
export type Wallet = z.infer<typeof WalletSchema>;

export const TipSchema = z
  .object({
    creator_id: z.uuid(),
    amount: z
      .number()
      .int()
      .min(1, 'amount must be at least 1 coin')
      .max(100_000, 'amount must be at most 100000 coins'),
    note: z.string().max(280).default(''),
  })
  .strict();
export type TipInput = z.input<typeof TipSchema>;

export const SubscribeSchema = z.object({ tier_id: z.uuid() }).strict();

export const SpendResultSchema = z.object({
  transaction_id: z.uuid(),
  replayed: z.boolean(),
  balance: z.number().int(),
});
export type SpendResult = z.infer<typeof SpendResultSchema>;

/** An unlock's spend plus the post as `GET /posts/{id}` now reads it, so a client patches instead of refetching. */
export const UnlockPostResultSchema = SpendResultSchema.extend({ post: PostSchema });
export type UnlockPostResult = z.infer<typeof UnlockPostResultSchema>;

export const SubscriptionSchema = z.object({
  id: z.uuid(),
  creator_id: z.uuid(),
  tier_id: z.uuid(),
  status: z.enum(['trialing', 'active', 'past_due', 'canceled', 'expired']),
  current_period_end: z.string(),
  cancel_at_period_end: z.boolean(),
  grace_until: z.string().nullable(),
});
export type Subscription = z.infer<typeof SubscriptionSchema>;

export const CreateTierSchema = z
  .object({
    name: z.string().trim().min(1).max(60),
    price_coins: z.number().int().min(1).max(1_000_000),
    trial_days: z.number().int().min(0).max(90).default(0),
  })
  .strict();
export const TierSchema = z.object({
  id: z.uuid(),
  creator_id: z.uuid(),
  name: z.string(),
  price_coins: z.number().int(),
  trial_days: z.number().int(),
  active: z.boolean(),
});

export const EarningsSchema = z.object({
  pending: z.number().int(),
  available: z.number().int(),
  in_payout: z.number().int(),
  recent: z.array(
    z.object({
      kind: z.string(),
      amount: z.number().int(),
      available_at: z.string(),
      released: z.boolean(),
      created_at: z.string(),
    }),
  ),
});
export type Earnings = z.infer<typeof EarningsSchema>;

export const PaymentProviderSchema = z.enum(['local', 'stripe', 'iyzico', 'apple', 'google', 'revenuecat']);
export type PaymentProvider = z.infer<typeof PaymentProviderSchema>;
export const StartCheckoutSchema = z
  .object({
    package_id: z.uuid(),
    provider: z.enum(['local', 'stripe', 'iyzico']),
    currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code like USD'),
  })
  .strict();
export type StartCheckout = z.input<typeof StartCheckoutSchema>;
export const CheckoutSchema = z.object({
  purchase_id: z.uuid(),
  provider: z.string(),
  /** Where to send the buyer (hosted checkout page); null for providers that use a client secret. */
  redirect_url: z.string().nullable(),
  client_secret: z.string().nullable(),
});
export type Checkout = z.infer<typeof CheckoutSchema>;
export const PurchaseSchema = z.object({
  id: z.uuid(),
  provider: z.string(),
  status: z.string(),
  coins: z.number().int(),
  amount_minor: z.number().int(),
  currency: z.string(),
  created_at: z.string(),
});

/** A StoreKit 2 purchase the app reports: the transaction's JWS (`Transaction.jwsRepresentation`). */
export const SubmitApplePurchaseSchema = z
  .object({ signed_transaction: z.string().min(1).max(32_768) })
  .strict();
export type SubmitApplePurchase = z.input<typeof SubmitApplePurchaseSchema>;
/** A Google Play Billing purchase the app reports (Purchase.getProducts()[0], Purchase.getPurchaseToken()). */
export const SubmitGooglePurchaseSchema = z
  .object({ product_id: z.string().min(1).max(200), purchase_token: z.string().min(1).max(4096) })
  .strict();
export type SubmitGooglePurchase = z.input<typeof SubmitGooglePurchaseSchema>;
export const StorePurchaseResultSchema = z.object({
  purchase: PurchaseSchema,
  /** True when this request credited the coins; false when an earlier report or notification already had. */
  credited: z.boolean(),
});
export type StorePurchaseResult = z.infer<typeof StorePurchaseResultSchema>;

/** Admin view of a coin package: archived ones too. */
export const AdminCoinPackageSchema = CoinPackageSchema.extend({
  active: z.boolean(),
  created_at: z.string(),
});
export type AdminCoinPackage = z.infer<typeof AdminCoinPackageSchema>;
/** Minor units per ISO currency; at least one price, each a positive whole number. */
export const CoinPackagePricesSchema = z
  .record(
    z.string().regex(/^[A-Z]{3}$/, 'price currencies are ISO 4217 codes like USD'),
    z.number().int().min(1, 'a price is at least 1 minor unit').max(100_000_000),
  )
  .refine((p) => Object.keys(p).length >= 1, 'a package needs at least one price')
  .refine((p) => Object.keys(p).length <= 50, 'at most 50 prices');
const StoreProductIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\w.-]+$/, 'store product ids contain letters, digits, "_", "." and "-"');
export const CreateCoinPackageSchema = z
  .object({
    /** Stable name (coins_550); also the Stripe/Iyzico line item. */
    code: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{1,63}$/, 'code is 2–64 lower-case letters, digits, "_", "." or "-"'),
    coins: z.number().int().min(1).max(10_000_000),
    prices: CoinPackagePricesSchema,
    apple_product_id: StoreProductIdSchema.nullable().default(null),
    google_product_id: StoreProductIdSchema.nullable().default(null),
    active: z.boolean().default(true),
  })
  .strict();
export type CreateCoinPackage = z.input<typeof CreateCoinPackageSchema>;
/** Everything but the code may change; purchases keep what they were sold at. */
export const UpdateCoinPackageSchema = z
  .object({
    coins: z.number().int().min(1).max(10_000_000),
    prices: CoinPackagePricesSchema,
    apple_product_id: StoreProductIdSchema.nullable(),
    google_product_id: StoreProductIdSchema.nullable(),
    active: z.boolean(),
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'change at least one field');
export type UpdateCoinPackage = z.input<typeof UpdateCoinPackageSchema>;
/**
 * What the books cannot settle alone (admins only): a paid provider payment no purchase matches, a payment
 * whose amount or currency differs from what the purchase expects (held, never credited), or a payment that
 * arrived for a purchase that can no longer be credited (refunded, declined, expired).
 */
export const ReconciliationKindSchema = z.enum([
  'unmatched_payment',
  'amount_mismatch',
  'paid_not_creditable',
  'dispute_won_uncredited',
]);
export const ReconciliationItemSchema = z.object({
  id: z.uuid(),
  kind: ReconciliationKindSchema,
  provider: z.string(),
  external_id: z.string().nullable(),
  checkout_id: z.string().nullable(),
  purchase_id: z.uuid().nullable(),
  purchase_status: z.string().nullable(),
  user_id: z.uuid().nullable(),
  reported_amount_minor: z.number().int().nullable(),
  reported_currency: z.string().nullable(),
  expected_amount_minor: z.number().int().nullable(),
  expected_currency: z.string().nullable(),
  detail: z.string(),
  status: z.enum(['open', 'resolved']),
  resolution: z.enum(['credited', 'rejected', 'dismissed']).nullable(),
  note: z.string().nullable(),
  resolved_at: z.string().nullable(),
  created_at: z.string(),
});
export type ReconciliationItem = z.infer<typeof ReconciliationItemSchema>;
export const ReconciliationListQuerySchema = z
  .object({
    status: z.enum(['open', 'resolved']).optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
  })
  .strict();
export type ReconciliationListQuery = z.infer<typeof ReconciliationListQuerySchema>;
/** credit: a payment held for an amount mismatch is credited once; reject: never credited; dismiss: nothing to do. */
export const ResolveReconciliationSchema = z
  .object({
    action: z.enum(['credit', 'reject', 'dismiss']),
    note: z.string().trim().max(500).optional(),
  })
  .strict();
export type ResolveReconciliation = z.infer<typeof ResolveReconciliationSchema>;
export const ReconciliationResultSchema = ReconciliationItemSchema.extend({ credited: z.boolean() });
export type ReconciliationResult = z.infer<typeof ReconciliationResultSchema>;
