import type { StorePurchaseResult, SubmitApplePurchase, SubmitGooglePurchase } from '@ipelya/contracts';
import { SubmitApplePurchaseSchema, SubmitGooglePurchaseSchema } from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';
import type { Logger } from 'pino';
import { DomainError, forbidden, notFound } from '../../errors.ts';
import { iso } from '../../shared/pagination.ts';
import type { AppleIapProvider } from './apple.provider.ts';
import type { GooglePlayProvider } from './google.provider.ts';
import { applyProviderEvents, type PaymentProviders, providerOf } from './payments.service.ts';
import { type PaymentEvent, WebhookError } from './provider.ts';

/** The provider's "malformed webhook" means a bad transaction when the app sent it. */
function asPurchaseError(err: unknown): unknown {
  if (err instanceof WebhookError && err.code === 'malformed_webhook')
    return new DomainError('validation', 'invalid_purchase', err.message.replace('webhook body', 'purchase'));
  return err;
}

async function requireProduct(
  db: Database,
  column: 'apple_product_id' | 'google_product_id',
  productId: string,
) {
  // Checked before recording the event: an unknown product must stay re-submittable once it is configured.
  const found = await db.service('payments:store-product', async (tx) => {
    const { rows } = await tx.query(`select 1 from public.coin_packages where ${column} = $1 and active`, [
      productId,
    ]);
    return rows.length > 0;
  });
  if (!found) throw notFound(`coin package for store product ${productId}`);
}

async function applyAndRead(
  db: Database,
  provider: 'apple' | 'google',
  event: Extract<PaymentEvent, { type: 'payment_succeeded' }>,
  userId: string,
  log: Logger,
): Promise<StorePurchaseResult> {
  const { outcomes } = await applyProviderEvents(db, provider, [event], log);
  const row = await db.service('payments:store-purchase', async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      user_id: string;
      provider: string;
      status: string;
      coins: string;
      amount_minor: string;
      currency: string;
      created_at: Date;
      credited_by: string | null;
    }>(
      `select p.id, p.user_id, p.provider, p.status, p.coins::text, p.amount_minor::text, p.currency, p.created_at,
              (select e.provider_event_id from public.coin_purchase_events e
                where e.purchase_id = p.id and e.status = 'succeeded' order by e.id limit 1) as credited_by
       from public.coin_purchases p where p.provider = $1 and p.external_id = $2`,
      [provider, event.externalId],
    );
    return rows[0];
  });
  if (!row)
    throw new DomainError('conflict', 'purchase_not_credited', `purchase not credited: ${outcomes[0]}`);
  if (row.user_id !== userId) throw forbidden('this purchase belongs to another account');
  return {
    purchase: {
      id: row.id,
      provider: row.provider,
      status: row.status,
      coins: Number(row.coins),
      amount_minor: Number(row.amount_minor),
      currency: row.currency,
      created_at: iso(row.created_at)!,
    },
    // The pipeline says "credited" for replays too; the purchase history says which event really credited it.
    credited: outcomes[0] === 'credited' && row.credited_by === event.eventId,
  };
}

/** POST /api/purchases/apple: a StoreKit 2 transaction, verified, credited once to the account it was made for. */
export async function submitApplePurchase(
  db: Database,
  providers: PaymentProviders,
  claims: JwtClaims,
  input: SubmitApplePurchase,
  log: Logger,
): Promise<StorePurchaseResult> {
  const v = SubmitApplePurchaseSchema.parse(input);
  const apple = providerOf(providers, 'apple') as AppleIapProvider;
  const event = await apple.verifyPurchase(v.signed_transaction, claims.sub).catch((err) => {
    throw asPurchaseError(err);
  });
  if (event.type !== 'payment_succeeded') throw new Error('unexpected Apple event');
  await requireProduct(db, 'apple_product_id', event.productId!);
  return applyAndRead(db, 'apple', event, claims.sub, log);
}

/**
 * POST /api/purchases/google: a purchase token, verified with Google, credited once, then consumed. Consuming
 * after crediting means a failure in between leaves the purchase unconsumed, so the app submits it again.
 */
export async function submitGooglePurchase(
  db: Database,
  providers: PaymentProviders,
  claims: JwtClaims,
  input: SubmitGooglePurchase,
  log: Logger,
): Promise<StorePurchaseResult & { consumed: boolean }> {
  const v = SubmitGooglePurchaseSchema.parse(input);
  const google = providerOf(providers, 'google') as GooglePlayProvider;
  await requireProduct(db, 'google_product_id', v.product_id);
  const { event, consumed } = await google
    .verifyPurchase(v.product_id, v.purchase_token, claims.sub)
    .catch((err) => {
      throw asPurchaseError(err);
    });
  if (event.type !== 'payment_succeeded') throw new Error('unexpected Google event');
  const result = await applyAndRead(db, 'google', event, claims.sub, log);
  if (consumed || result.purchase.status !== 'succeeded') return { ...result, consumed };
  try {
    await google.consume(v.product_id, v.purchase_token);
    return { ...result, consumed: true };
  } catch (err) {
    log.warn({ err, purchase: result.purchase.id }, 'google play: consume failed; the app will resubmit');
    return { ...result, consumed: false };
  }
}
