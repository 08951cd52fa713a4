import type { Purchase, PurchaseError } from 'expo-iap';

// The store boundary (expo-iap's native module): each test scripts what StoreKit / Play Billing answer.
type Listener<T> = (value: T) => void;
const updated = new Set<Listener<Purchase>>();
const failed = new Set<Listener<PurchaseError>>();

export const { ErrorCode } =
  jest.requireActual<typeof import('expo-iap/build/types')>('expo-iap/build/types');

export const initConnection = jest.fn(async () => true);
export const fetchProducts = jest.fn(async (req: { skus: string[] }) =>
  req.skus.map((id) => ({ id, type: 'in-app' })),
);
export const requestPurchase = jest.fn(async (_args: unknown): Promise<unknown> => null);
export const finishTransaction = jest.fn(
  async (_args: { purchase: Purchase; isConsumable?: boolean }) => undefined,
);
export const getAvailablePurchases = jest.fn(async (): Promise<Purchase[]> => []);
export const purchaseUpdatedListener = jest.fn((listener: Listener<Purchase>) => {
  updated.add(listener);
  return { remove: () => updated.delete(listener) };
});
export const purchaseErrorListener = jest.fn((listener: Listener<PurchaseError>) => {
  failed.add(listener);
  return { remove: () => failed.delete(listener) };
});

/** The store reports a purchase (as StoreKit's Transaction.updates / Play's PurchasesUpdatedListener do). */
export function emitPurchase(purchase: Purchase) {
  for (const l of [...updated]) l(purchase);
}
export function emitPurchaseError(error: PurchaseError) {
  for (const l of [...failed]) l(error);
}
export function listenerCount() {
  return updated.size + failed.size;
}

export function resetFakeIap() {
  updated.clear();
  failed.clear();
  initConnection.mockReset().mockResolvedValue(true);
  fetchProducts.mockReset().mockImplementation(async (req) => req.skus.map((id) => ({ id, type: 'in-app' })));
  requestPurchase.mockReset().mockResolvedValue(null);
  finishTransaction.mockReset().mockResolvedValue(undefined);
  getAvailablePurchases.mockReset().mockResolvedValue([]);
}
