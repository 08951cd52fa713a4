'use client';

import type { CoinPackage, Wallet } from '@ipelya/contracts';
import { useCallback, useEffect, useState } from 'react';
import { useI18n } from '../../../i18n/i18n-provider.tsx';
import { getApi } from '../../../lib/api-browser.ts';
import { failureKind } from '../../../lib/api-errors.ts';
import { formatCoins, formatMinor, preferredCurrency } from '../../../lib/money.ts';

type State =
  | { kind: 'loading' }
  | { kind: 'error' }
  | { kind: 'ready'; wallet: Pick<Wallet, 'balance' | 'in_debt'>; packages: CoinPackage[] };

/**
 * Balance and coin packages. Buying goes to the payment provider's hosted page (the server's local
 * checkout in development); the purchase is credited by the provider's webhook, so coming back here and
 * loading the wallet again shows the new balance.
 */
export function WalletCard(props: { persona: string }) {
  const { t, lang } = useI18n();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [buying, setBuying] = useState<string | null>(null);
  const [buyError, setBuyError] = useState<'wallet.error.checkout' | 'wallet.error.unavailable' | null>(null);

  const load = useCallback(async () => {
    setState({ kind: 'loading' });
    try {
      const api = getApi();
      const [wallet, packages] = await Promise.all([api.wallet({ limit: 1 }), api.coinPackages()]);
      setState({ kind: 'ready', wallet, packages: packages.items });
    } catch {
      setState({ kind: 'error' });
    }
  }, []);

  // The persona is a dependency on purpose: a switch reloads the wallet for the new session.
  useEffect(() => {
    void props.persona;
    void load();
  }, [load, props.persona]);

  async function buy(pkg: CoinPackage, currency: string) {
    setBuying(pkg.id);
    setBuyError(null);
    try {
      // One key per click: a network retry inside the client reuses it, a new click is a new checkout.
      const checkout = await getApi().startCheckout(
        { package_id: pkg.id, provider: 'local', currency },
        crypto.randomUUID(),
      );
      if (!checkout.redirect_url) throw new Error('checkout without a redirect');
      window.location.assign(checkout.redirect_url);
    } catch (err) {
      setBuyError(failureKind(err) === 'unavailable' ? 'wallet.error.unavailable' : 'wallet.error.checkout');
      setBuying(null);
    }
  }

  return (
    <section className="card wallet" data-testid="wallet" aria-labelledby="wallet-title">
      <h2 id="wallet-title">{t('wallet.title')}</h2>
      {state.kind === 'loading' && (
        <p className="muted" data-testid="wallet-loading">
          {t('wallet.loading')}
        </p>
      )}
      {state.kind === 'error' && (
        <div>
          <p className="error" role="alert" data-testid="wallet-error">
            {t('wallet.error')}
          </p>
          <button type="button" className="button" onClick={() => void load()}>
            {t('account.retry')}
          </button>
        </div>
      )}
      {state.kind === 'ready' && (
        <>
          <p className="muted small">{t('wallet.balance')}</p>
          <p
            className={`wallet-balance ${state.wallet.in_debt ? 'in-debt' : ''}`}
            data-testid="wallet-balance"
            data-coins={state.wallet.balance}
          >
            {t('wallet.coins', { count: formatCoins(state.wallet.balance, lang) })}
          </p>
          {state.wallet.in_debt && (
            <p className="error small" data-testid="wallet-in-debt">
              {t('wallet.inDebt')}
            </p>
          )}
          <h3>{t('wallet.buy')}</h3>
          {state.packages.length === 0 ? (
            <p className="muted">{t('wallet.noPackages')}</p>
          ) : (
            <ul className="package-list">
              {state.packages.map((pkg) => {
                const currency = preferredCurrency(lang, Object.keys(pkg.prices));
                if (!currency) return null;
                const price = formatMinor(pkg.prices[currency]!, currency, lang);
                return (
                  <li key={pkg.id}>
                    <button
                      type="button"
                      className="button package"
                      data-testid={`buy-${pkg.code}`}
                      disabled={buying !== null}
                      onClick={() => void buy(pkg, currency)}
                    >
                      {buying === pkg.id
                        ? t('wallet.buying')
                        : t('wallet.package', { coins: formatCoins(pkg.coins, lang), price })}
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
          <p className="muted small">{t('wallet.buy.hint')}</p>
          {buyError && (
            <p className="error" role="alert" data-testid="buy-error">
              {t(buyError)}
            </p>
          )}
        </>
      )}
    </section>
  );
}
