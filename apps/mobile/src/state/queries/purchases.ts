import type { Checkout, CoinPackage } from '@ipelya/contracts';
import { type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import * as WebBrowser from 'expo-web-browser';
import { useEffect } from 'react';
import { AppState } from 'react-native';
import { env } from '../../env';
import { useLanguageStore } from '../../i18n/i18n';
import { useActionKeys } from '../../lib/action-key';
import { useClients } from '../../lib/clients-context';
import {
  listenForStorePurchases,
  purchaseChannel,
  purchaseFromStore,
  resumeStorePurchases,
  type StoreOutcome,
  storeProductId,
} from '../../lib/store-purchases';
import { useSessionStore } from '../session-store';
import { pickCurrency } from './coin-packages';
import { walletKey } from './wallet';

export class CheckoutUnsupportedError extends Error {
  constructor() {
    super('checkout_unsupported');
    this.name = 'CheckoutUnsupportedError';
  }
}

// Give up waiting for the user to come back after this long; the wallet refreshes on its own later.
const RETURN_WAIT_MS = 30 * 60_000;

/**
 * Refreshes the wallet once the app is in front again. On iOS openBrowserAsync resolves when the
 * sheet closes, but on Android and the web it resolves as soon as the page opens, so the return is
 * only visible as the app becoming active again.
 */
function refreshWalletOnReturn(queryClient: QueryClient) {
  const subscription = AppState.addEventListener('change', (state) => {
    if (state !== 'active') return;
    stop();
    void queryClient.invalidateQueries({ queryKey: walletKey() });
  });
  const timer = setTimeout(() => stop(), RETURN_WAIT_MS);
  function stop() {
    clearTimeout(timer);
    subscription.remove();
  }
}

export type BuyResult =
  | { channel: 'checkout'; checkout: Checkout }
  | { channel: 'store'; outcome: StoreOutcome };

/**
 * Buys a coin package. On iOS/Android with a real provider this is an App Store / Google Play
 * purchase the server verifies; otherwise it starts a checkout on the server and opens its hosted
 * page in the in-app browser. Coins are credited by the server either way, so all the app does
 * afterwards is refresh the wallet.
 */
export function useBuyCoins() {
  const { api, platform } = useClients();
  const userId = useSessionStore((s) => s.userId);
  const queryClient = useQueryClient();
  const language = useLanguageStore((s) => s.language);
  const keys = useActionKeys();
  return useMutation({
    mutationFn: async (pkg: CoinPackage): Promise<BuyResult> => {
      if (platform !== 'web' && purchaseChannel(platform, env.checkoutProvider) === 'store') {
        return { channel: 'store', outcome: await purchaseFromStore(pkg, { api, platform, userId }) };
      }
      const currency = pickCurrency(pkg, language);
      if (!currency) throw new CheckoutUnsupportedError();
      // Retrying the same purchase reuses its Idempotency-Key: the server answers the same checkout.
      const checkout = await api.startCheckout(
        { package_id: pkg.id, provider: env.checkoutProvider, currency },
        keys.keyFor(`checkout:${pkg.id}:${env.checkoutProvider}:${currency}`),
      );
      keys.done();
      // Providers that answer only a client secret need a native payment sheet this build lacks.
      if (!checkout.redirect_url) throw new CheckoutUnsupportedError();
      const result = await WebBrowser.openBrowserAsync(checkout.redirect_url);
      if (result.type === 'opened') refreshWalletOnReturn(queryClient);
      return { channel: 'checkout', checkout };
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: walletKey() }),
  });
}

/**
 * While the wallet is open on a store build, submits coin purchases the store still holds for this
 * user (an earlier server error, a crash, a pending payment that settled) and those it reports later.
 */
export function useStorePurchaseRecovery(packages: readonly CoinPackage[] | undefined) {
  const { api, platform } = useClients();
  const userId = useSessionStore((s) => s.userId);
  const queryClient = useQueryClient();
  const storePlatform = platform === 'web' ? null : platform;
  const active = storePlatform !== null && purchaseChannel(platform, env.checkoutProvider) === 'store';
  const productIds = (active && packages ? packages : [])
    .map((p) => (storePlatform ? storeProductId(p, storePlatform) : null))
    .filter((id): id is string => id !== null);
  const key = productIds.join(',');
  useEffect(() => {
    if (!storePlatform || !userId || !key) return;
    const ids = key.split(',');
    const ctx = { api, platform: storePlatform, userId };
    const refresh = () => void queryClient.invalidateQueries({ queryKey: walletKey() });
    const stop = listenForStorePurchases(ids, ctx, refresh);
    resumeStorePurchases(ids, ctx).then(
      (credited) => {
        if (credited > 0) refresh();
      },
      () => {
        // No store on this device (or not reachable now): nothing to resume.
      },
    );
    return stop;
  }, [api, storePlatform, userId, key, queryClient]);
}
