// Fraud rules: small pure functions over facts the database counted (fraud_purchase_facts, fraud_spend_facts)
// and thresholds from economy_settings (fraud_* keys). Each returns a reason with a score 0–100 or nothing.
// The total (capped at 100) decides: >= fraud_block_score blocks, >= fraud_review_score holds for review.
import type { FraudOutcome, FraudReason } from '@ipelya/contracts';

export type FraudSettings = Record<string, number>;

export type PurchaseFacts = {
  user_purchases_in_window: number;
  device_purchases_in_window: number | null;
  ip_purchases_in_window: number | null;
  accounts_on_device: number | null;
  accounts_on_card: number | null;
  settled_purchases: number;
  refunded_purchases: number;
  chargebacks: number;
  account_age_hours: number | null;
  coins: number;
};

export type SpendFacts = {
  replay: boolean;
  amount: number;
  loop_back_tips: number;
  /** Distinct third personas in 3-loops (facts count personas, never accounts: decision 014). */
  loop_via_accounts: number;
  loop_via_tips: number;
  creator_window_earnings: number;
  creator_young_earnings: number;
  creator_young_accounts: number;
  sender_is_new: boolean;
};

type Rule<F> = (facts: F, s: FraudSettings) => FraudReason | null;

const setting = (s: FraudSettings, key: string, fallback: number) => s[key] ?? fallback;
const cap = (n: number, max: number) => Math.max(0, Math.min(max, Math.round(n)));

/** Over the limit: a base score plus a step per extra event, capped. */
function overLimit(count: number | null, max: number, base: number, step: number, top: number) {
  if (count === null || count <= max) return 0;
  return cap(base + step * (count - max - 1), top);
}

export const velocityPerUser: Rule<PurchaseFacts> = (f, s) => {
  const max = setting(s, 'fraud_velocity_user_max', 5);
  const score = overLimit(f.user_purchases_in_window, max, 40, 10, 70);
  return score
    ? {
        rule: 'velocity_user',
        score,
        detail: `${f.user_purchases_in_window} purchases by this account within ${setting(s, 'fraud_velocity_window_minutes', 60)} minutes (limit ${max})`,
      }
    : null;
};

export const velocityPerDevice: Rule<PurchaseFacts> = (f, s) => {
  const max = setting(s, 'fraud_velocity_device_max', 8);
  const score = overLimit(f.device_purchases_in_window, max, 40, 10, 70);
  return score
    ? {
        rule: 'velocity_device',
        score,
        detail: `${f.device_purchases_in_window} purchases from this device within ${setting(s, 'fraud_velocity_window_minutes', 60)} minutes (limit ${max})`,
      }
    : null;
};

export const velocityPerIp: Rule<PurchaseFacts> = (f, s) => {
  const max = setting(s, 'fraud_velocity_ip_max', 20);
  const score = overLimit(f.ip_purchases_in_window, max, 40, 5, 60);
  return score
    ? {
        rule: 'velocity_ip',
        score,
        detail: `${f.ip_purchases_in_window} purchases from this IP network within ${setting(s, 'fraud_velocity_window_minutes', 60)} minutes (limit ${max})`,
      }
    : null;
};

export const sharedDevice: Rule<PurchaseFacts> = (f, s) => {
  const max = setting(s, 'fraud_accounts_per_device_max', 3);
  const score = overLimit(f.accounts_on_device, max, 40, 10, 70);
  return score
    ? {
        rule: 'shared_device',
        score,
        detail: `${f.accounts_on_device} accounts use this device (limit ${max})`,
      }
    : null;
};

export const sharedCard: Rule<PurchaseFacts> = (f, s) => {
  const max = setting(s, 'fraud_accounts_per_card_max', 2);
  const score = overLimit(f.accounts_on_card, max, 50, 15, 90);
  return score
    ? {
        rule: 'shared_card',
        score,
        detail: `${f.accounts_on_card} accounts pay with this card (limit ${max})`,
      }
    : null;
};

export const refundRatio: Rule<PurchaseFacts> = (f, s) => {
  const min = setting(s, 'fraud_refund_min_purchases', 2);
  if (f.settled_purchases < min) return null;
  const reversed = f.refunded_purchases + f.chargebacks;
  const bps = Math.floor((reversed * 10000) / f.settled_purchases);
  if (bps < setting(s, 'fraud_refund_ratio_bps', 3000)) return null;
  // Chargebacks cost fees and signal stolen cards; refunds alone are milder.
  const score = f.chargebacks > 0 ? cap(45 + 10 * f.chargebacks, 75) : 40;
  return {
    rule: 'refund_ratio',
    score,
    detail: `${reversed} of ${f.settled_purchases} earlier purchases were reversed (${f.refunded_purchases} refunds, ${f.chargebacks} chargebacks)`,
  };
};

export const newAccountLargePurchase: Rule<PurchaseFacts> = (f, s) => {
  const days = setting(s, 'fraud_new_account_days', 3);
  const large = setting(s, 'fraud_new_account_large_coins', 5000);
  if (f.account_age_hours === null || f.account_age_hours >= days * 24 || f.coins < large) return null;
  return {
    rule: 'new_account_large_purchase',
    score: f.account_age_hours < 24 ? 55 : 45,
    detail: `${f.coins} coins bought by an account ${f.account_age_hours} hours old (new: under ${days} days; large: ${large} coins)`,
  };
};

export const tippingLoop: Rule<SpendFacts> = (f, s) => {
  const days = setting(s, 'fraud_tip_loop_window_days', 7);
  if (f.loop_back_tips > 0) {
    return {
      rule: 'tip_loop',
      score: cap(50 + 15 * (f.loop_back_tips - 1), 90),
      detail: `the recipient persona tipped this persona ${f.loop_back_tips} time(s) within ${days} days (a loop of 2 personas)`,
    };
  }
  if (f.loop_via_tips > 0) {
    return {
      rule: 'tip_loop',
      score: cap(45 + 15 * (f.loop_via_tips - 1), 90),
      detail: `coins flow back to this persona from the recipient persona through ${f.loop_via_accounts} other persona(s) within ${days} days (a loop of 3 personas)`,
    };
  }
  return null;
};

export const selfFundingCreator: Rule<SpendFacts> = (f, s) => {
  const min = setting(s, 'fraud_self_funding_min_coins', 1000);
  const maxAccounts = setting(s, 'fraud_self_funding_max_accounts', 3);
  const shareBps = setting(s, 'fraud_self_funding_share_bps', 7000);
  if (!f.sender_is_new || f.creator_window_earnings < min) return null;
  if (f.creator_young_accounts < 1 || f.creator_young_accounts > maxAccounts) return null;
  const bps = Math.floor((f.creator_young_earnings * 10000) / f.creator_window_earnings);
  if (bps < shareBps) return null;
  return {
    rule: 'self_funding',
    score: bps >= 9000 ? 60 : 50,
    detail: `${Math.floor(bps / 100)}% of the creator's ${f.creator_window_earnings} coins earned in ${setting(s, 'fraud_self_funding_days', 30)} days come from ${f.creator_young_accounts} new account(s), this one among them`,
  };
};

export const purchaseRules: Rule<PurchaseFacts>[] = [
  velocityPerUser,
  velocityPerDevice,
  velocityPerIp,
  sharedDevice,
  sharedCard,
  refundRatio,
  newAccountLargePurchase,
];
export const spendRules: Rule<SpendFacts>[] = [tippingLoop, selfFundingCreator];

export type FraudDecision = { score: number; outcome: FraudOutcome; reasons: FraudReason[] };

export function decide<F>(rules: Rule<F>[], facts: F, s: FraudSettings): FraudDecision {
  const reasons = rules.map((r) => r(facts, s)).filter((r): r is FraudReason => r !== null);
  const score = cap(
    reasons.reduce((sum, r) => sum + (r.score ?? 0), 0),
    100,
  );
  const outcome: FraudOutcome =
    score >= setting(s, 'fraud_block_score', 80)
      ? 'block'
      : score >= setting(s, 'fraud_review_score', 40)
        ? 'review'
        : 'allow';
  return { score, outcome, reasons };
}
