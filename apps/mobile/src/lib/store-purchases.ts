import type { CoinPackage } from '@ipelya/contracts';
import type { AppPlatform } from './device';

export const STORE_PURCHASES_UNAVAILABLE = 'store purchases are not available in this build';

/**
 * Apple/Google in-app purchase of a coin package. The store SDK (react-native-iap or expo-iap) is
 * not part of this build yet; when it is added, this buys `pkg.apple_product_id` /
 * `pkg.google_product_id` and hands the receipt to the server.
 */
export async function purchaseFromStore(_pkg: CoinPackage, _platform: AppPlatform): Promise<never> {
  throw new Error(STORE_PURCHASES_UNAVAILABLE);
}

/**
 * How this app buys coins: the embedded server's own checkout page works everywhere (development,
 * demos, web); a real payment provider on iOS/Android must go through the platform store.
 */
export function purchaseChannel(platform: AppPlatform, checkoutProvider: string): 'checkout' | 'store' {
  return platform !== 'web' && checkoutProvider !== 'local' ? 'store' : 'checkout';
}
