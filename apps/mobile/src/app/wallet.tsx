import type { CoinPackage } from '@ipelya/contracts';
import { ActivityIndicator, FlatList, StyleSheet, Text, View } from 'react-native';
import { Button } from '../components/button';
import { ScreenCaptureGuard } from '../components/screen-capture-guard';
import { ErrorView, errorMessage, LoadingView } from '../components/status-views';
import { isTranslationKey, type Translate, useLanguageStore, useT } from '../i18n/i18n';
import { StorePurchaseError, StoreServerError } from '../lib/store-purchases';
import { formatPrice, pickCurrency, useCoinPackages } from '../state/queries/coin-packages';
import {
  type BuyResult,
  CheckoutUnsupportedError,
  useBuyCoins,
  useStorePurchaseRecovery,
} from '../state/queries/purchases';
import { useCancelSubscription, useSubscriptions } from '../state/queries/subscriptions';
import { useWallet } from '../state/queries/wallet';
import { useTheme } from '../theme/theme';

function kindLabel(t: Translate, kind: string): string {
  const key = `wallet.kind.${kind}`;
  // Kinds the server adds later show their raw name until they get a translation.
  return isTranslationKey(key) ? t(key) : kind;
}

function storeServerError(t: Translate, error: StoreServerError): string {
  if (error.status === 403) return t('store.wrongAccount');
  if (error.status === 503) return t('store.notConfigured');
  if (error.status === 409) {
    if (error.code === 'purchase_pending') return t('store.pending');
    if (error.code === 'purchase_revoked') return t('store.revoked');
    return t('store.notCompleted');
  }
  return t('store.serverFailed', { message: error.message });
}

function checkoutError(t: Translate, error: unknown): string {
  if (error instanceof CheckoutUnsupportedError) return t('wallet.checkoutUnsupported');
  if (error instanceof StoreServerError) return storeServerError(t, error);
  if (error instanceof StorePurchaseError) {
    if (error.reason === 'unavailable') return t('store.unavailable');
    if (error.reason === 'product_unavailable') return t('store.productUnavailable');
    if (error.reason === 'not_signed_in') return t('store.notSignedIn');
    return t('store.failed', { message: error.message });
  }
  return t('wallet.checkoutFailed', { message: errorMessage(error) });
}

/** What to say after a purchase attempt ended without an error; a cancelled store sheet says nothing. */
function buyResultMessage(t: Translate, result: BuyResult): string | null {
  if (result.channel === 'checkout') return t('wallet.checkoutReturned');
  if (result.outcome.status === 'pending') return t('store.pending');
  if (result.outcome.status === 'credited') return t('store.credited', { coins: result.outcome.coins });
  return null;
}

function Packages() {
  const t = useT();
  const theme = useTheme();
  const language = useLanguageStore((s) => s.language);
  const packages = useCoinPackages();
  const buy = useBuyCoins();
  useStorePurchaseRecovery(packages.data?.items);
  const done = buy.isSuccess ? buyResultMessage(t, buy.data) : null;
  const price = (pkg: CoinPackage) => {
    const currency = pickCurrency(pkg, language);
    return currency ? formatPrice(pkg.prices[currency] ?? 0, currency, language) : '';
  };
  return (
    <View style={styles.section}>
      <Text style={[styles.heading, { color: theme.text }]}>{t('wallet.buyTitle')}</Text>
      {packages.isPending ? <ActivityIndicator color={theme.primary} /> : null}
      {packages.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('common.error', { message: errorMessage(packages.error) })}
        </Text>
      ) : null}
      {packages.data?.items.length === 0 ? (
        <Text style={{ color: theme.muted }}>{t('wallet.noPackages')}</Text>
      ) : null}
      {packages.data?.items.map((pkg) => (
        <Button
          key={pkg.id}
          testID={`buy-${pkg.code}`}
          label={t('wallet.buy', { coins: pkg.coins, price: price(pkg) })}
          accessibilityLabel={t('wallet.buyA11y', { coins: pkg.coins, price: price(pkg) })}
          variant="secondary"
          busy={buy.isPending && buy.variables?.id === pkg.id}
          disabled={buy.isPending}
          onPress={() => buy.mutate(pkg)}
        />
      ))}
      {done ? (
        <Text testID="buy-result" style={{ color: theme.muted }}>
          {done}
        </Text>
      ) : null}
      {buy.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {checkoutError(t, buy.error)}
        </Text>
      ) : null}
    </View>
  );
}

function MySubscriptions() {
  const t = useT();
  const theme = useTheme();
  const language = useLanguageStore((s) => s.language);
  const subs = useSubscriptions();
  const cancel = useCancelSubscription();
  const items = subs.data?.items ?? [];
  return (
    <View style={styles.section}>
      <Text style={[styles.heading, { color: theme.text }]}>{t('wallet.subscriptions')}</Text>
      {subs.isSuccess && items.length === 0 ? (
        <Text style={{ color: theme.muted }}>{t('wallet.noSubscriptions')}</Text>
      ) : null}
      {items.map((s) => (
        <View key={s.id} style={[styles.row, { borderColor: theme.border }]}>
          <Text style={{ color: theme.text }}>
            {t(`subs.status.${s.status}`)} ·{' '}
            {t(s.cancel_at_period_end ? 'subs.endsAt' : 'subs.active', {
              date: new Date(s.current_period_end).toLocaleDateString(language === 'tr' ? 'tr-TR' : 'en-GB'),
            })}
          </Text>
          {s.cancel_at_period_end || s.status === 'expired' || s.status === 'canceled' ? null : (
            <Button
              label={t('subs.cancel')}
              variant="secondary"
              onPress={() => cancel.mutate(s.creator_id)}
            />
          )}
        </View>
      ))}
      {cancel.isError ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('subs.cancelFailed', { message: errorMessage(cancel.error) })}
        </Text>
      ) : null}
    </View>
  );
}

export default function WalletScreen() {
  const t = useT();
  const theme = useTheme();
  const language = useLanguageStore((s) => s.language);
  const wallet = useWallet();

  if (wallet.isPending) return <LoadingView />;
  if (wallet.isError) {
    return (
      <ErrorView
        message={t('common.error', { message: errorMessage(wallet.error) })}
        onRetry={() => wallet.refetch()}
      />
    );
  }

  // Every page carries the balance; the first page is the freshest after a refetch.
  const first = wallet.data.pages[0];
  const balance = first?.balance ?? 0;
  const inDebt = first?.in_debt ?? balance < 0;
  const history = wallet.data.pages.flatMap((p) => p.history);
  const when = (iso: string) => new Date(iso).toLocaleString(language === 'tr' ? 'tr-TR' : 'en-GB');

  const header = (
    <View style={styles.header}>
      {/* Balance and purchase history are private: kept out of screenshots and recordings. */}
      <ScreenCaptureGuard guardKey="wallet" />
      <View
        testID="wallet-balance"
        style={[
          styles.card,
          { backgroundColor: theme.surface, borderColor: inDebt ? theme.danger : theme.primary },
        ]}
      >
        <Text style={[styles.caption, { color: theme.muted }]}>{t('wallet.balance')}</Text>
        <Text style={[styles.balance, { color: inDebt ? theme.danger : theme.text }]}>
          {t('wallet.coins', { count: balance })}
        </Text>
        {inDebt ? (
          <Text testID="wallet-debt" accessibilityRole="alert" style={{ color: theme.danger }}>
            {t('wallet.inDebt')}
          </Text>
        ) : null}
      </View>
      <Packages />
      <MySubscriptions />
      <Text style={[styles.heading, { color: theme.text }]}>{t('wallet.history')}</Text>
    </View>
  );

  return (
    <FlatList
      testID="wallet-history"
      style={{ backgroundColor: theme.background }}
      contentContainerStyle={styles.list}
      data={history}
      keyExtractor={(e) => e.transaction_id}
      ListHeaderComponent={header}
      renderItem={({ item }) => (
        <View style={[styles.row, { borderColor: theme.border }]}>
          <View style={styles.flex}>
            <Text style={{ color: theme.text }}>{kindLabel(t, item.kind)}</Text>
            <Text style={[styles.small, { color: theme.muted }]}>{when(item.created_at)}</Text>
          </View>
          <Text style={[styles.amount, { color: item.amount < 0 ? theme.danger : theme.text }]}>
            {item.amount > 0 ? `+${item.amount}` : String(item.amount)}
          </Text>
        </View>
      )}
      onEndReachedThreshold={0.5}
      onEndReached={() => {
        if (wallet.hasNextPage && !wallet.isFetchingNextPage) void wallet.fetchNextPage();
      }}
      ListEmptyComponent={<Text style={{ color: theme.muted }}>{t('wallet.noHistory')}</Text>}
      ListFooterComponent={
        wallet.isFetchingNextPage ? (
          <ActivityIndicator color={theme.primary} accessibilityLabel={t('wallet.loadingMore')} />
        ) : null
      }
    />
  );
}

const styles = StyleSheet.create({
  list: { padding: 20, gap: 4, maxWidth: 560, width: '100%', alignSelf: 'center', flexGrow: 1 },
  header: { gap: 16, marginBottom: 8 },
  card: { borderWidth: 2, borderRadius: 16, padding: 20, gap: 6 },
  caption: { fontSize: 13, textTransform: 'uppercase', letterSpacing: 1 },
  balance: { fontSize: 32, fontWeight: '900' },
  section: { gap: 8 },
  heading: { fontSize: 18, fontWeight: '700' },
  row: {
    flexDirection: 'row',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: 8,
    paddingVertical: 10,
    borderBottomWidth: 1,
  },
  flex: { flex: 1 },
  small: { fontSize: 12 },
  amount: { fontSize: 16, fontWeight: '700' },
});
