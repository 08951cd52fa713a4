import type { Tier } from '@ipelya/api-client';
import { useState } from 'react';
import { StyleSheet, Text, TextInput, View } from 'react-native';
import { useLanguageStore, useT } from '../i18n/i18n';
import { useCancelSubscription, useSubscribe, useSubscriptions } from '../state/queries/subscriptions';
import { useCreatorTiers } from '../state/queries/tiers';
import { parseTipAmount, TIP_PRESETS, useTip } from '../state/queries/tips';
import { useTheme } from '../theme/theme';
import { Button } from './button';
import { SpendError } from './spend-error';
import { errorMessage } from './status-views';

function useDate() {
  const language = useLanguageStore((s) => s.language);
  return (iso: string) => new Date(iso).toLocaleDateString(language === 'tr' ? 'tr-TR' : 'en-GB');
}

function Subscriptions({ creatorId }: { creatorId: string }) {
  const t = useT();
  const theme = useTheme();
  const date = useDate();
  const tiers = useCreatorTiers(creatorId);
  const mine = useSubscriptions();
  const subscribe = useSubscribe();
  const cancel = useCancelSubscription();
  const current = mine.data?.items.find(
    (s) => s.creator_id === creatorId && s.status !== 'expired' && s.status !== 'canceled',
  );
  const active = (tiers.data?.items ?? []).filter((tier: Tier) => tier.active);

  return (
    <View testID="creator-tiers" style={styles.section}>
      <Text style={[styles.title, { color: theme.text }]}>{t('subs.title')}</Text>
      {current ? (
        <>
          <Text testID="subscription-state" style={{ color: theme.text }}>
            {t(current.cancel_at_period_end ? 'subs.endsAt' : 'subs.active', {
              date: date(current.current_period_end),
            })}
          </Text>
          {current.cancel_at_period_end ? null : (
            <Button
              label={t('subs.cancel')}
              variant="secondary"
              busy={cancel.isPending}
              onPress={() => cancel.mutate(creatorId)}
            />
          )}
          {cancel.isError ? (
            <Text accessibilityRole="alert" style={{ color: theme.danger }}>
              {t('subs.cancelFailed', { message: errorMessage(cancel.error) })}
            </Text>
          ) : null}
        </>
      ) : tiers.isSuccess && active.length === 0 ? (
        <Text style={{ color: theme.muted }}>{t('subs.none')}</Text>
      ) : (
        active.map((tier) => (
          <View key={tier.id} style={[styles.tier, { borderColor: theme.border }]}>
            <Text style={{ color: theme.text }}>
              {t('subs.tier', { name: tier.name, price: tier.price_coins })}
            </Text>
            {tier.trial_days > 0 ? (
              <Text style={{ color: theme.muted }}>{t('subs.trial', { days: tier.trial_days })}</Text>
            ) : null}
            <Button
              label={t('subs.subscribe')}
              accessibilityLabel={t('subs.subscribeA11y', { name: tier.name })}
              busy={subscribe.isPending && subscribe.variables?.tierId === tier.id}
              disabled={subscribe.isPending}
              onPress={() => subscribe.subscribe(tier.id)}
            />
          </View>
        ))
      )}
      {subscribe.isError ? <SpendError error={subscribe.error} /> : null}
    </View>
  );
}

function Tip({ creatorId }: { creatorId: string }) {
  const t = useT();
  const theme = useTheme();
  const [text, setText] = useState(String(TIP_PRESETS[1]));
  const [touched, setTouched] = useState(false);
  const tip = useTip(creatorId);
  const amount = parseTipAmount(text);
  const invalid = amount === null;

  return (
    <View testID="tip-section" style={styles.section}>
      <Text style={[styles.title, { color: theme.text }]}>{t('tip.title')}</Text>
      <View style={styles.presets}>
        {TIP_PRESETS.map((preset) => (
          <View key={preset} style={styles.flex}>
            <Button
              label={t('tip.preset', { amount: preset })}
              variant={amount === preset ? 'primary' : 'secondary'}
              selected={amount === preset}
              onPress={() => {
                setText(String(preset));
                tip.reset();
              }}
            />
          </View>
        ))}
      </View>
      <TextInput
        testID="tip-amount"
        accessibilityLabel={t('tip.amountLabel')}
        placeholder={t('tip.amountLabel')}
        placeholderTextColor={theme.muted}
        keyboardType="number-pad"
        value={text}
        onChangeText={(value) => {
          setText(value);
          setTouched(true);
          tip.reset();
        }}
        style={[
          styles.input,
          { borderColor: invalid && touched ? theme.danger : theme.border, color: theme.text },
        ]}
      />
      {invalid && touched ? (
        <Text accessibilityRole="alert" style={{ color: theme.danger }}>
          {t('tip.invalidAmount')}
        </Text>
      ) : null}
      <Button
        testID="send-tip"
        label={amount === null ? t('tip.sendPlain') : t('tip.send', { amount })}
        disabled={invalid}
        busy={tip.isPending}
        onPress={() => {
          if (amount !== null) tip.sendTip(amount);
        }}
      />
      {tip.isSuccess ? (
        <Text style={{ color: theme.text }}>{t('tip.sent', { balance: tip.data.balance })}</Text>
      ) : null}
      {tip.isError ? <SpendError error={tip.error} /> : null}
    </View>
  );
}

/** Subscribing and tipping on a creator's page (not shown on your own profile). */
export function CreatorSupport({ creatorId }: { creatorId: string }) {
  return (
    <>
      <Subscriptions creatorId={creatorId} />
      <Tip creatorId={creatorId} />
    </>
  );
}

const styles = StyleSheet.create({
  section: { gap: 8, marginTop: 12 },
  title: { fontSize: 18, fontWeight: '700' },
  tier: { borderWidth: 1, borderRadius: 12, padding: 12, gap: 8 },
  presets: { flexDirection: 'row', gap: 6 },
  flex: { flex: 1 },
  input: { borderWidth: 1, borderRadius: 10, padding: 12, fontSize: 16 },
});
