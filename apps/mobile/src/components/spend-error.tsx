import { ApiClientError } from '@ipelya/api-client';
import { useRouter } from 'expo-router';
import { StyleSheet, Text, View } from 'react-native';
import { useT } from '../i18n/i18n';
import { useTheme } from '../theme/theme';
import { Button } from './button';
import { errorMessage } from './status-views';

export function isInsufficientFunds(error: unknown): error is ApiClientError {
  return error instanceof ApiClientError && error.status === 402;
}

/**
 * Shown under a spending action that failed. Not enough coins (402) offers the way out — buying
 * coins — right there; anything else shows the reason (pressing the action again retries it).
 */
export function SpendError({ error }: { error: unknown }) {
  const t = useT();
  const theme = useTheme();
  const router = useRouter();
  if (isInsufficientFunds(error)) {
    // 402 is either not enough coins or a wallet in debt after a refund (its own code).
    const inDebt = error.code === 'wallet_in_debt';
    return (
      <View testID="insufficient-funds" style={[styles.box, { borderColor: theme.danger }]}>
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t(inDebt ? 'spend.inDebt' : 'spend.insufficient')}
        </Text>
        <Button label={t('spend.buyCoins')} onPress={() => router.push('/wallet')} />
      </View>
    );
  }
  return (
    <Text accessibilityRole="alert" style={{ color: theme.danger }}>
      {t('spend.failed', { message: errorMessage(error) })}
    </Text>
  );
}

const styles = StyleSheet.create({
  box: { borderWidth: 1, borderRadius: 10, padding: 12, gap: 10 },
});
