import { type ApiClient, ApiClientError } from '@ipelya/api-client';
import type { CoinPackage } from '@ipelya/contracts';
import {
  ErrorCode,
  fetchProducts,
  finishTransaction,
  getAvailablePurchases,
  initConnection,
  type Purchase,
  type PurchaseError,
  purchaseErrorListener,
  purchaseUpdatedListener,
  requestPurchase,
} from 'expo-iap';
import type { AppPlatform } from './device';

export const STORE_PURCHASES_UNAVAILABLE = 'store purchases are not available in this build';

export type StorePlatform = 'ios' | 'android';

/** Why a store purchase failed before the server saw it; the wallet translates each reason. */
export type StoreFailure = 'unavailable' | 'product_unavailable' | 'not_signed_in' | 'store_failed';

export class StorePurchaseError extends Error {
  constructor(
    readonly reason: StoreFailure,
    message: string = reason,
  ) {
    super(reason === 'unavailable' ? STORE_PURCHASES_UNAVAILABLE : message);
    this.name = 'StorePurchaseError';
  }
}

/**
 * The store charged the user but the server did not credit the purchase (yet). The transaction is
 * left unfinished so it is submitted again; `status` 0 means the server could not be reached.
 */
export class StoreServerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StoreServerError';
  }
}

async function submit<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiClientError) throw new StoreServerError(err.status, err.code, err.message);
    throw new StoreServerError(0, 'network', err instanceof Error ? err.message : String(err));
  }
}

/** `cancelled` is shown as nothing; `pending` (Ask to Buy, slow payment methods) is credited when the store settles it. */
export type StoreOutcome =
  | { status: 'credited'; coins: number; credited: boolean }
  | { status: 'cancelled' }
  | { status: 'pending' };

type StoreApi = Pick<ApiClient, 'submitApplePurchase' | 'submitGooglePurchase'>;

export type StoreContext = {
  api: StoreApi;
  platform: StorePlatform;
  /** The signed-in auth user id (session.user.id): the same for both personas, and what the server matches. */
  userId: string | null;
};

/**
 * How this app buys coins: the embedded server's own checkout page works everywhere (development,
 * demos, web); a real payment provider on iOS/Android must go through the platform store.
 */
export function purchaseChannel(platform: AppPlatform, checkoutProvider: string): 'checkout' | 'store' {
  return platform !== 'web' && checkoutProvider !== 'local' ? 'store' : 'checkout';
}

export function storeProductId(pkg: CoinPackage, platform: StorePlatform): string | null {
  return platform === 'ios' ? pkg.apple_product_id : pkg.google_product_id;
}

let connection: Promise<unknown> | null = null;

/** One store connection per app run; a failure (no native module, billing unavailable) may be retried later. */
function connect(): Promise<unknown> {
  connection ??= Promise.resolve()
    .then(() => initConnection())
    .catch((err: unknown) => {
      connection = null;
      throw new StorePurchaseError('unavailable', err instanceof Error ? err.message : String(err));
    });
  return connection;
}

/** Test hook: forget the cached connection and in-flight purchases. */
export function resetStoreState() {
  connection = null;
  inFlight.clear();
}

function purchaseKey(p: Purchase): string {
  return p.purchaseToken ?? p.id;
}

/** The account the purchase was made for, as the store reports it (null when it does not say). */
function purchaseAccount(p: Purchase): string | null {
  if ('appAccountToken' in p && p.appAccountToken) return p.appAccountToken;
  if ('obfuscatedAccountIdAndroid' in p && p.obfuscatedAccountIdAndroid) return p.obfuscatedAccountIdAndroid;
  return null;
}

const inFlight = new Map<string, Promise<StoreOutcome>>();

/**
 * Hands a finished store purchase to the server and, only once the server has credited it, finishes
 * it on iOS. A server error throws and leaves the transaction unfinished, so StoreKit replays it and
 * Play keeps it unconsumed until a later submission succeeds. On Android the server consumes after
 * crediting: consuming or acknowledging here first would let Google refund it or lose the coins.
 */
export function settleStorePurchase(purchase: Purchase, ctx: StoreContext): Promise<StoreOutcome> {
  const key = purchaseKey(purchase);
  // The purchase listener and the buy flow can both see the same purchase; submit it once.
  const running = inFlight.get(key);
  if (running) return running;
  const run = (async (): Promise<StoreOutcome> => {
    if (purchase.purchaseState === 'pending') return { status: 'pending' };
    const token = purchase.purchaseToken;
    if (!token) throw new StorePurchaseError('store_failed', 'the store returned no purchase token');
    if (ctx.platform === 'ios') {
      const result = await submit(() => ctx.api.submitApplePurchase(token));
      try {
        await finishTransaction({ purchase, isConsumable: true });
      } catch {
        // Already credited; a replay of this transaction is answered as "already credited" and finished then.
      }
      return { status: 'credited', coins: result.purchase.coins, credited: result.credited };
    }
    const result = await submit(() => ctx.api.submitGooglePurchase(purchase.productId, token));
    return { status: 'credited', coins: result.purchase.coins, credited: result.credited };
  })().finally(() => inFlight.delete(key));
  inFlight.set(key, run);
  return run;
}

function isCancel(err: { code?: unknown }): boolean {
  return err.code === ErrorCode.UserCancelled;
}
function isPending(err: { code?: unknown }): boolean {
  return err.code === ErrorCode.Pending || err.code === ErrorCode.DeferredPayment;
}

/** Waits for the store's answer to one purchase request (results arrive through listeners, not the call). */
function awaitStoreResult(
  productId: string,
  start: () => Promise<unknown>,
): Promise<{ purchase: Purchase } | { error: PurchaseError | { code?: unknown; message?: string } }> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: { purchase: Purchase } | { error: { code?: unknown; message?: string } }) => {
      if (done) return;
      done = true;
      updated.remove();
      failed.remove();
      resolve(value as never);
    };
    const updated = purchaseUpdatedListener((purchase) => {
      if (purchase.productId === productId) finish({ purchase });
    });
    const failed = purchaseErrorListener((error) => {
      if (!error.productId || error.productId === productId) finish({ error });
    });
    start().then(
      (returned) => {
        // Some platforms also return the purchase; whichever answer comes first wins.
        const list = Array.isArray(returned) ? returned : returned ? [returned] : [];
        const match = (list as Purchase[]).find((p) => p?.productId === productId);
        if (match) finish({ purchase: match });
      },
      (error: { code?: unknown; message?: string }) => finish({ error }),
    );
  });
}

/**
 * Buys a coin package from the App Store / Google Play for the signed-in user: the purchase carries
 * the auth user id (appAccountToken / obfuscatedAccountId), which the server requires to match.
 */
export async function purchaseFromStore(pkg: CoinPackage, ctx: StoreContext): Promise<StoreOutcome> {
  const productId = storeProductId(pkg, ctx.platform);
  if (!productId) throw new StorePurchaseError('product_unavailable');
  if (!ctx.userId) throw new StorePurchaseError('not_signed_in');
  const userId = ctx.userId;
  await connect();
  const products = await fetchProducts({ skus: [productId], type: 'in-app' }).catch((err: unknown) => {
    throw new StorePurchaseError('store_failed', err instanceof Error ? err.message : String(err));
  });
  if (!(products ?? []).some((p) => p.id === productId)) throw new StorePurchaseError('product_unavailable');

  const answer = await awaitStoreResult(productId, () =>
    requestPurchase({
      type: 'in-app',
      request:
        ctx.platform === 'ios'
          ? { apple: { sku: productId, appAccountToken: userId } }
          : { google: { skus: [productId], obfuscatedAccountId: userId } },
    }),
  );
  if ('error' in answer) {
    if (isCancel(answer.error)) return { status: 'cancelled' };
    if (isPending(answer.error)) return { status: 'pending' };
    throw new StorePurchaseError('store_failed', answer.error.message ?? String(answer.error.code));
  }
  return settleStorePurchase(answer.purchase, ctx);
}

/**
 * Submits coin purchases the store still holds for this user (a server error, a crash, or a pending
 * payment that settled while the app was closed). Purchases made for another account on this device
 * are left alone. Returns how many were credited now.
 */
export async function resumeStorePurchases(
  productIds: readonly string[],
  ctx: StoreContext,
): Promise<number> {
  if (!ctx.userId || productIds.length === 0) return 0;
  await connect();
  const held = await getAvailablePurchases();
  let credited = 0;
  for (const purchase of held ?? []) {
    if (!productIds.includes(purchase.productId) || purchase.purchaseState !== 'purchased') continue;
    if (purchaseAccount(purchase)?.toLowerCase() !== ctx.userId.toLowerCase()) continue;
    try {
      const outcome = await settleStorePurchase(purchase, ctx);
      if (outcome.status === 'credited' && outcome.credited) credited += 1;
    } catch {
      // Stays with the store; the next resume tries again.
    }
  }
  return credited;
}

/** Settles purchases the store reports while the app runs (Ask to Buy approved, StoreKit replays). */
export function listenForStorePurchases(
  productIds: readonly string[],
  ctx: StoreContext,
  onCredited: () => void,
): () => void {
  const sub = purchaseUpdatedListener((purchase) => {
    if (!productIds.includes(purchase.productId)) return;
    settleStorePurchase(purchase, ctx).then(
      (outcome) => {
        if (outcome.status === 'credited') onCredited();
      },
      () => {
        // Left unfinished for the store to report again.
      },
    );
  });
  return () => sub.remove();
}
