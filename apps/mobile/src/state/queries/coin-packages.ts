import type { CoinPackage } from '@ipelya/contracts';
import { useQuery } from '@tanstack/react-query';
import type { Language } from '../../i18n/types';
import { useClients } from '../../lib/clients-context';

export const coinPackagesKey = () => ['coin-packages'] as const;

export function useCoinPackages() {
  const { api } = useClients();
  return useQuery({ queryKey: coinPackagesKey(), queryFn: () => api.coinPackages() });
}

/** Lira for Turkish speakers, dollars otherwise, or whatever the package is priced in. */
export function pickCurrency(pkg: CoinPackage, language: Language): string | null {
  const preferred = language === 'tr' ? ['TRY', 'USD', 'EUR'] : ['USD', 'EUR', 'TRY'];
  return preferred.find((c) => c in pkg.prices) ?? Object.keys(pkg.prices)[0] ?? null;
}

/** Prices arrive in minor units; the currency's own decimals decide the divisor (JPY has none). */
export function formatPrice(minor: number, currency: string, language: Language): string {
  const format = new Intl.NumberFormat(language === 'tr' ? 'tr-TR' : 'en-US', {
    style: 'currency',
    currency,
  });
  return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}
