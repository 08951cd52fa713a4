import { queryKeys } from '@ipelya/api-client';
import type { CoinPackage } from '@ipelya/contracts';
import { type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import * as WebBrowser from 'expo-web-browser';
import { AppState } from 'react-native';
import { env } from '../env';
import { useLanguageStore } from '../i18n/i18n';
import { useClients } from '../lib/clients-context';
import { purchaseChannel, purchaseFromStore } from '../lib/store-purchases';
import { pickCurrency } from './use-coin-packages';

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
    void queryClient.invalidateQueries({ queryKey: queryKeys.wallet() });
  });
  const timer = setTimeout(() => stop(), RETURN_WAIT_MS);
  function stop() {
    clearTimeout(timer);
    subscription.remove();
  }
}

/**
 * Buys a coin package: starts a checkout on the server and opens its hosted page in the in-app
 * browser. Coins are credited by the server (webhook / local confirmation), so all the app does
 * afterwards is refresh the wallet.
 */
export function useBuyCoins() {
  const { api, platform } = useClients();
  const queryClient = useQueryClient();
  const language = useLanguageStore((s) => s.language);
  return useMutation({
    mutationFn: async (pkg: CoinPackage) => {
      if (purchaseChannel(platform, env.checkoutProvider) === 'store')
        return purchaseFromStore(pkg, platform);
      const currency = pickCurrency(pkg, language);
      if (!currency) throw new CheckoutUnsupportedError();
      const checkout = await api.startCheckout({
        package_id: pkg.id,
        provider: env.checkoutProvider,
        currency,
      });
      // Providers that answer only a client secret need a native payment sheet this build lacks.
      if (!checkout.redirect_url) throw new CheckoutUnsupportedError();
      const result = await WebBrowser.openBrowserAsync(checkout.redirect_url);
      if (result.type === 'opened') refreshWalletOnReturn(queryClient);
      return checkout;
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.wallet() }),
  });
}
