import { ApiClientError } from '@ipelya/api-client';
import type { Wallet } from '@ipelya/contracts';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { PurchaseAndroid, PurchaseIOS } from 'expo-iap';
import { act, renderHook, screen, waitFor } from 'expo-router/testing-library';
import * as WebBrowser from 'expo-web-browser';
import type { ReactNode } from 'react';
import { env } from '../src/env';
import type { Clients } from '../src/lib/clients';
import { ClientsContext } from '../src/lib/clients-context';
import { purchaseChannel, purchaseFromStore, resetStoreState } from '../src/lib/store-purchases';
import { useBuyCoins } from '../src/state/queries/purchases';
import { press } from './support/actions';
import { api, makePackage, storeResult } from './support/fake-api';
import * as iap from './support/fake-iap';
import { renderApp } from './support/render-app';

const USER_ID = 'user-1'; // the fake supabase session's user.id
const APPLE_ID = 'app.ipelya.coins.100';
const GOOGLE_ID = 'coins_100';
const pkg = () =>
  makePackage('coins_100', 100, { USD: 199 }, { apple_product_id: APPLE_ID, google_product_id: GOOGLE_ID });

function applePurchase(patch: Partial<PurchaseIOS> = {}): PurchaseIOS {
  return {
    id: '2000000000000001',
    transactionId: '2000000000000001',
    productId: APPLE_ID,
    purchaseToken: 'eyJhbGciOiJFUzI1NiJ9.payload.signature',
    purchaseState: 'purchased',
    appAccountToken: USER_ID,
    isAutoRenewing: false,
    quantity: 1,
    store: 'apple',
    transactionDate: Date.now(),
    ...patch,
  };
}

function googlePurchase(patch: Partial<PurchaseAndroid> = {}): PurchaseAndroid {
  return {
    id: 'GPA.1234-5678-9012-34567',
    productId: GOOGLE_ID,
    purchaseToken: 'play-token-abc',
    purchaseState: 'purchased',
    obfuscatedAccountIdAndroid: USER_ID,
    isAutoRenewing: false,
    quantity: 1,
    store: 'google',
    transactionDate: Date.now(),
    ...patch,
  };
}

/** The store sheet: answers a purchase request with this purchase for the account the app asked for. */
function storeAnswers(make: (account: string | undefined) => PurchaseIOS | PurchaseAndroid) {
  iap.requestPurchase.mockImplementation(async (args: unknown) => {
    const req = (
      args as { request: { apple?: { appAccountToken?: string }; google?: { obfuscatedAccountId?: string } } }
    ).request;
    iap.emitPurchase(make(req.apple?.appAccountToken ?? req.google?.obfuscatedAccountId));
    return null;
  });
}

function wallet(balance: number): Wallet {
  return { balance, in_debt: false, history: [], next_cursor: null };
}

const realProvider = env.checkoutProvider;
beforeEach(() => {
  resetStoreState();
  // A production build: a real payment provider, so native apps must buy through the store.
  (env as { checkoutProvider: string }).checkoutProvider = 'stripe';
});
afterEach(() => {
  (env as { checkoutProvider: string }).checkoutProvider = realProvider;
});

describe('wallet on iOS with App Store purchases', () => {
  it('buys with appAccountToken = the auth user id, submits the JWS, finishes only after the server credited', async () => {
    const p = pkg();
    api.coinPackages.mockResolvedValue({ items: [p] });
    let balance = 0;
    api.wallet.mockImplementation(async () => wallet(balance));
    let credit: (v: ReturnType<typeof storeResult>) => void = () => {};
    api.submitApplePurchase.mockImplementation(
      () =>
        new Promise((resolve) => {
          credit = resolve;
        }),
    );
    storeAnswers((account) => applePurchase({ appAccountToken: account }));

    renderApp('/wallet');
    expect(await screen.findByText('0 coins')).toBeOnTheScreen();
    await press(await screen.findByTestId('buy-coins_100'));

    expect(iap.fetchProducts).toHaveBeenCalledWith({ skus: [APPLE_ID], type: 'in-app' });
    expect(iap.requestPurchase).toHaveBeenCalledWith({
      type: 'in-app',
      request: { apple: { sku: APPLE_ID, appAccountToken: USER_ID } },
    });
    await waitFor(() =>
      expect(api.submitApplePurchase).toHaveBeenCalledWith('eyJhbGciOiJFUzI1NiJ9.payload.signature'),
    );
    // The server has not answered yet: the transaction must still be open.
    expect(iap.finishTransaction).not.toHaveBeenCalled();
    expect(api.startCheckout).not.toHaveBeenCalled();

    balance = 100;
    await act(async () => credit(storeResult(100)));
    await waitFor(() => expect(iap.finishTransaction).toHaveBeenCalledTimes(1));
    expect(iap.finishTransaction).toHaveBeenCalledWith({
      purchase: expect.objectContaining({ productId: APPLE_ID, appAccountToken: USER_ID }),
      isConsumable: true,
    });
    expect(await screen.findByText('100 coins added to your wallet.')).toBeOnTheScreen();
    expect(await screen.findByText('100 coins')).toBeOnTheScreen();
  });

  it('says nothing when the user cancels the store sheet', async () => {
    api.coinPackages.mockResolvedValue({ items: [pkg()] });
    iap.requestPurchase.mockImplementation(async () => {
      iap.emitPurchaseError({ code: iap.ErrorCode.UserCancelled, message: 'cancelled', productId: APPLE_ID });
      return null;
    });
    renderApp('/wallet');
    const buy = await screen.findByTestId('buy-coins_100');
    await waitFor(() => expect(iap.getAvailablePurchases).toHaveBeenCalled());
    const listening = iap.listenerCount(); // the wallet's own listener for purchases settling later
    await press(buy);
    await waitFor(() => expect(iap.requestPurchase).toHaveBeenCalled());
    await waitFor(() => expect(screen.getByTestId('buy-coins_100')).toBeEnabled());
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByTestId('buy-result')).toBeNull();
    expect(api.submitApplePurchase).not.toHaveBeenCalled();
    expect(iap.finishTransaction).not.toHaveBeenCalled();
    expect(iap.listenerCount()).toBe(listening); // the purchase's own listeners are removed again
  });

  it('tells the user when Ask to Buy leaves the purchase pending', async () => {
    api.coinPackages.mockResolvedValue({ items: [pkg()] });
    iap.requestPurchase.mockImplementation(async () => {
      iap.emitPurchaseError({
        code: iap.ErrorCode.DeferredPayment,
        message: 'deferred',
        productId: APPLE_ID,
      });
      return null;
    });
    renderApp('/wallet');
    await press(await screen.findByTestId('buy-coins_100'));
    expect(
      await screen.findByText(
        'Your purchase is pending. The coins arrive as soon as the store confirms the payment.',
      ),
    ).toBeOnTheScreen();
    expect(api.submitApplePurchase).not.toHaveBeenCalled();
  });

  it.each([
    [
      403,
      'purchase_account_mismatch',
      'This purchase was made for another account, so its coins cannot be added here.',
    ],
    [409, 'purchase_revoked', 'The store refunded or cancelled this purchase.'],
    [
      503,
      'provider_not_configured',
      'Store purchases are not set up on our side yet. Your purchase is kept and the coins are added later.',
    ],
  ])('a server %i (%s) leaves the transaction unfinished and explains it', async (status, code, message) => {
    api.coinPackages.mockResolvedValue({ items: [pkg()] });
    api.submitApplePurchase.mockRejectedValue(new ApiClientError(status, code, 'refused'));
    storeAnswers((account) => applePurchase({ appAccountToken: account }));
    renderApp('/wallet');
    await press(await screen.findByTestId('buy-coins_100'));
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(api.submitApplePurchase).toHaveBeenCalledTimes(1);
    expect(iap.finishTransaction).not.toHaveBeenCalled();
  });

  it('explains a package the App Store does not sell', async () => {
    api.coinPackages.mockResolvedValue({ items: [pkg()] });
    iap.fetchProducts.mockResolvedValue([]);
    renderApp('/wallet');
    await press(await screen.findByTestId('buy-coins_100'));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'This package is not available in the store right now.',
    );
    expect(iap.requestPurchase).not.toHaveBeenCalled();
  });

  it('resubmits purchases the store still holds for this user, and only those', async () => {
    api.coinPackages.mockResolvedValue({ items: [pkg()] });
    let balance = 0;
    api.wallet.mockImplementation(async () => wallet(balance));
    const mine = applePurchase({ id: 'tx-mine', purchaseToken: 'jws-mine' });
    const someoneElses = applePurchase({
      id: 'tx-other',
      purchaseToken: 'jws-other',
      appAccountToken: '9b2f8e0e-0000-4000-8000-000000000099',
    });
    const failing = applePurchase({ id: 'tx-failing', purchaseToken: 'jws-failing' });
    iap.getAvailablePurchases.mockResolvedValue([mine, someoneElses, failing]);
    api.submitApplePurchase.mockImplementation(async (jws: string) => {
      if (jws === 'jws-failing') throw new ApiClientError(503, 'provider_not_configured', 'later');
      balance = 100;
      return storeResult(100);
    });

    renderApp('/wallet');
    expect(await screen.findByText('100 coins')).toBeOnTheScreen();
    expect(api.submitApplePurchase.mock.calls.map(([jws]) => jws).sort()).toEqual([
      'jws-failing',
      'jws-mine',
    ]);
    expect(iap.finishTransaction).toHaveBeenCalledTimes(1);
    expect(iap.finishTransaction.mock.calls[0]?.[0].purchase.id).toBe('tx-mine');
  });

  it('keeps the local checkout on native builds that use the local provider', async () => {
    (env as { checkoutProvider: string }).checkoutProvider = 'local';
    api.coinPackages.mockResolvedValue({ items: [pkg()] });
    api.startCheckout.mockResolvedValue({
      purchase_id: '00000000-0000-4000-c000-000000000009',
      provider: 'local',
      redirect_url: 'http://localhost:54321/checkout/local/xyz',
      client_secret: null,
    });
    renderApp('/wallet');
    await press(await screen.findByTestId('buy-coins_100'));
    expect(api.startCheckout).toHaveBeenCalled();
    expect(iap.requestPurchase).not.toHaveBeenCalled();
    expect(iap.getAvailablePurchases).not.toHaveBeenCalled();
  });
});

describe('Google Play purchases', () => {
  const ctx = () => ({ api, platform: 'android' as const, userId: USER_ID });

  it('buys with obfuscatedAccountId = the auth user id and lets the server consume (no client finish)', async () => {
    api.submitGooglePurchase.mockResolvedValue(storeResult(100));
    storeAnswers((account) => googlePurchase({ obfuscatedAccountIdAndroid: account }));
    await expect(purchaseFromStore(pkg(), ctx())).resolves.toEqual({
      status: 'credited',
      coins: 100,
      credited: true,
    });
    expect(iap.requestPurchase).toHaveBeenCalledWith({
      type: 'in-app',
      request: { google: { skus: [GOOGLE_ID], obfuscatedAccountId: USER_ID } },
    });
    expect(api.submitGooglePurchase).toHaveBeenCalledWith(GOOGLE_ID, 'play-token-abc');
    // Consuming (or acknowledging) on the device first could lose the coins: the server consumes after crediting.
    expect(iap.finishTransaction).not.toHaveBeenCalled();
  });

  it('does not submit a purchase still waiting for payment', async () => {
    storeAnswers(() => googlePurchase({ purchaseState: 'pending' }));
    await expect(purchaseFromStore(pkg(), ctx())).resolves.toEqual({ status: 'pending' });
    expect(api.submitGooglePurchase).not.toHaveBeenCalled();
  });

  it('refuses to buy without a signed-in user id', async () => {
    await expect(purchaseFromStore(pkg(), { ...ctx(), userId: null })).rejects.toThrow('not_signed_in');
    expect(iap.requestPurchase).not.toHaveBeenCalled();
  });
});

describe('web', () => {
  it('uses the hosted checkout even with a real provider', async () => {
    expect(purchaseChannel('web', 'stripe')).toBe('checkout');
    expect(purchaseChannel('ios', 'stripe')).toBe('store');
    expect(purchaseChannel('android', 'iyzico')).toBe('store');
    expect(purchaseChannel('android', 'local')).toBe('checkout');

    (WebBrowser.openBrowserAsync as jest.Mock).mockResolvedValue({ type: 'cancel' });
    api.startCheckout.mockResolvedValue({
      purchase_id: '00000000-0000-4000-c000-000000000010',
      provider: 'stripe',
      redirect_url: 'https://checkout.stripe.com/c/pay/cs_test',
      client_secret: null,
    });
    const clients = { api, platform: 'web', installId: 'install-1', supabase: {} } as unknown as Clients;
    const queryClient = new QueryClient();
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={queryClient}>
        <ClientsContext.Provider value={clients}>{children}</ClientsContext.Provider>
      </QueryClientProvider>
    );
    const { result } = renderHook(() => useBuyCoins(), { wrapper });
    const p = pkg();
    await act(async () => {
      await result.current.mutateAsync(p);
    });
    expect(api.startCheckout).toHaveBeenCalledWith(
      { package_id: p.id, provider: 'stripe', currency: 'USD' },
      expect.any(String),
    );
    expect(WebBrowser.openBrowserAsync).toHaveBeenCalledWith('https://checkout.stripe.com/c/pay/cs_test');
    expect(iap.requestPurchase).not.toHaveBeenCalled();
    expect(iap.initConnection).not.toHaveBeenCalled();
  });
});
