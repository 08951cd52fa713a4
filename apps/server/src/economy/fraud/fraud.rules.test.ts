import { describe, expect, it } from 'vitest';
import {
  decide,
  type PurchaseFacts,
  purchaseRules,
  type SpendFacts,
  selfFundingCreator,
  spendRules,
  tippingLoop,
} from './fraud.rules.ts';

const settings = { fraud_review_score: 40, fraud_block_score: 80 };
const normal: PurchaseFacts = {
  user_purchases_in_window: 1,
  device_purchases_in_window: 1,
  ip_purchases_in_window: 1,
  accounts_on_device: 1,
  accounts_on_card: 1,
  settled_purchases: 4,
  refunded_purchases: 0,
  chargebacks: 0,
  account_age_hours: 24 * 60,
  coins: 550,
};
const normalTip: SpendFacts = {
  replay: false,
  amount: 10,
  loop_back_tips: 0,
  loop_via_accounts: 0,
  loop_via_tips: 0,
  creator_window_earnings: 5000,
  creator_young_earnings: 200,
  creator_young_accounts: 2,
  sender_is_new: true,
};

describe('fraud rules (pure)', () => {
  it('a normal purchase and a normal tip score 0 and pass', () => {
    expect(decide(purchaseRules, normal, settings)).toEqual({ score: 0, outcome: 'allow', reasons: [] });
    expect(decide(spendRules, normalTip, settings)).toEqual({ score: 0, outcome: 'allow', reasons: [] });
  });

  it.each([
    ['velocity_user', { user_purchases_in_window: 6 }],
    ['velocity_device', { device_purchases_in_window: 9 }],
    ['velocity_ip', { ip_purchases_in_window: 21 }],
    ['shared_device', { accounts_on_device: 4 }],
    ['shared_card', { accounts_on_card: 3 }],
    ['refund_ratio', { settled_purchases: 3, refunded_purchases: 1 }],
    ['new_account_large_purchase', { account_age_hours: 2, coins: 5000 }],
  ])('%s fires just over its limit and holds for review', (rule, patch) => {
    const d = decide(purchaseRules, { ...normal, ...patch }, settings);
    expect(d.reasons.map((r) => r.rule)).toEqual([rule]);
    expect(d.outcome).toBe('review');
    expect(d.reasons[0]!.detail.length).toBeGreaterThan(10);
  });

  it('stays quiet at its limits', () => {
    const atLimits = {
      ...normal,
      user_purchases_in_window: 5,
      device_purchases_in_window: 8,
      ip_purchases_in_window: 20,
      accounts_on_device: 3,
      accounts_on_card: 2,
      settled_purchases: 4,
      refunded_purchases: 1, // 25% < 30%
      account_age_hours: 72,
      coins: 100000,
    };
    expect(decide(purchaseRules, atLimits, settings).reasons).toEqual([]);
  });

  it('adds scores up: two strong signals block', () => {
    const d = decide(
      purchaseRules,
      { ...normal, accounts_on_card: 4, account_age_hours: 1, coins: 10000 },
      settings,
    );
    expect(d.score).toBeGreaterThanOrEqual(80);
    expect(d.outcome).toBe('block');
  });

  it('thresholds come from the settings', () => {
    const f = { ...normal, user_purchases_in_window: 6 };
    expect(decide(purchaseRules, f, { ...settings, fraud_review_score: 90 }).outcome).toBe('allow');
    expect(decide(purchaseRules, f, { ...settings, fraud_block_score: 40 }).outcome).toBe('block');
  });

  it('tipping loops: 2-account loops score by repetition, 3-account loops too', () => {
    expect(tippingLoop({ ...normalTip, loop_back_tips: 1 }, settings)?.score).toBe(50);
    expect(tippingLoop({ ...normalTip, loop_back_tips: 3 }, settings)?.score).toBe(80);
    expect(tippingLoop({ ...normalTip, loop_via_tips: 1, loop_via_accounts: 1 }, settings)?.detail).toContain(
      'loop of 3',
    );
    expect(tippingLoop(normalTip, settings)).toBeNull();
  });

  it('self-funding needs mostly-new money from few accounts, this new sender among them', () => {
    const funded = { ...normalTip, creator_young_earnings: 4800, creator_young_accounts: 1 };
    expect(selfFundingCreator(funded, settings)?.rule).toBe('self_funding');
    expect(selfFundingCreator({ ...funded, sender_is_new: false }, settings)).toBeNull();
    expect(selfFundingCreator({ ...funded, creator_young_accounts: 12 }, settings)).toBeNull();
    expect(
      selfFundingCreator({ ...funded, creator_window_earnings: 900, creator_young_earnings: 900 }, settings),
    ).toBeNull();
  });
});
