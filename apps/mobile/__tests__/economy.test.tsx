import { ApiClientError } from '@ipelya/api-client';
import type { Wallet } from '@ipelya/contracts';
import { randomUUID } from 'expo-crypto';
import { act, fireEvent, screen, waitFor } from 'expo-router/testing-library';
import * as WebBrowser from 'expo-web-browser';
import { AppState } from 'react-native';
import { parseTipAmount } from '../src/state/queries/tips';
import { press } from './support/actions';
import {
  api,
  makeCreator,
  makePackage,
  makePost,
  makeSubscription,
  makeTier,
  spendResult,
} from './support/fake-api';
import { renderApp } from './support/render-app';

const openBrowser = WebBrowser.openBrowserAsync as jest.Mock;
let keySeq = 0;

beforeEach(() => {
  // Distinct keys per generated UUID, so reuse vs. a fresh key is observable.
  (randomUUID as jest.Mock).mockImplementation(() => {
    keySeq += 1;
    return `00000000-0000-4000-a000-${String(keySeq).padStart(12, '0')}`;
  });
  openBrowser.mockReset().mockResolvedValue({ type: 'cancel' });
});

function wallet(balance: number, history: Wallet['history'] = [], next_cursor: string | null = null): Wallet {
  return { balance, in_debt: balance < 0, history, next_cursor };
}
const entry = (n: number, kind: string, amount: number) => ({
  transaction_id: `00000000-0000-4000-b000-${String(n).padStart(12, '0')}`,
  kind,
  amount,
  created_at: '2026-11-20T10:00:00.000Z',
});

describe('api client economy methods', () => {
  it('sends the idempotency-key header on spending calls only when given', async () => {
    const calls: { url: string; headers: Record<string, string>; body?: string }[] = [];
    // The setup fakes createApiClient for the screens; this checks the real one.
    const { createApiClient } = jest.requireActual<typeof import('@ipelya/api-client')>('@ipelya/api-client');
    const client = createApiClient({
      baseUrl: 'http://api.test',
      getAccessToken: () => 'tok',
      // openapi-fetch hands fetch one Request.
      fetch: async (input: URL | RequestInfo) => {
        const request = input instanceof Request ? input : new Request(input);
        calls.push({
          url: request.url,
          headers: Object.fromEntries(request.headers.entries()),
          body: await request.text(),
        });
        return new Response(JSON.stringify({ transaction_id: 'x', replayed: false, balance: 1 }), {
          status: 200,
        });
      },
    });
    await client.unlockPost('p1', 'key-12345678');
    await client.tip({ creator_id: 'c1', amount: 5 }, 'key-abcdefgh');
    await client.wallet({ limit: 5 });
    expect(calls[0]).toMatchObject({
      url: 'http://api.test/api/posts/p1/unlock',
      headers: { 'idempotency-key': 'key-12345678', authorization: 'Bearer tok' },
    });
    expect(calls[1]?.headers['idempotency-key']).toBe('key-abcdefgh');
    expect(JSON.parse(calls[1]?.body ?? '')).toEqual({ creator_id: 'c1', amount: 5 });
    expect(calls[2]?.url).toBe('http://api.test/api/wallet?limit=5');
    expect(calls[2]?.headers).not.toHaveProperty('idempotency-key');
  });
});

describe('wallet screen', () => {
  it('shows the balance, the history and more history on scroll', async () => {
    api.wallet.mockImplementation(async (q) =>
      q?.cursor === 'c2'
        ? wallet(120, [entry(3, 'ppv_unlock', -30)])
        : wallet(120, [entry(1, 'coin_purchase', 100), entry(2, 'tip', -10)], 'c2'),
    );
    renderApp('/wallet');
    expect(await screen.findByText('120 coins')).toBeOnTheScreen();
    expect(screen.getByText('Coin purchase')).toBeOnTheScreen();
    expect(screen.getByText('+100')).toBeOnTheScreen();
    expect(screen.getByText('-10')).toBeOnTheScreen();
    expect(screen.queryByTestId('wallet-debt')).toBeNull();
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/REAL/);

    await act(async () => {
      fireEvent(screen.getByTestId('wallet-history'), 'onEndReached');
    });
    expect(await screen.findByText('Post unlocked')).toBeOnTheScreen();
    expect(api.wallet).toHaveBeenLastCalledWith({ cursor: 'c2', limit: 20 });
  });

  it('makes a negative balance unmistakable as debt (shadow persona too)', async () => {
    api.wallet.mockResolvedValue(wallet(-30, [entry(1, 'purchase_refund', -100)]));
    renderApp('/wallet', 'shadow');
    expect(await screen.findByText('-30 coins')).toBeOnTheScreen();
    expect(screen.getByTestId('wallet-debt')).toHaveTextContent(/in debt/);
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/SHADOW/);
  });

  it('opens the hosted checkout page and refreshes the wallet when the user comes back', async () => {
    const pkg = makePackage('coins_100', 100, { USD: 199, TRY: 6999 });
    api.coinPackages.mockResolvedValue({ items: [pkg] });
    let balance = 0;
    api.wallet.mockImplementation(async () => wallet(balance));
    api.startCheckout.mockResolvedValue({
      purchase_id: '00000000-0000-4000-c000-000000000001',
      provider: 'local',
      redirect_url: 'http://localhost:54321/checkout/local/abc',
      client_secret: null,
    });
    openBrowser.mockImplementation(async () => {
      balance = 100; // the user paid on the checkout page
      return { type: 'cancel' };
    });
    renderApp('/wallet');
    expect(await screen.findByText('0 coins')).toBeOnTheScreen();
    await press(await screen.findByRole('button', { name: 'Buy 100 coins for $1.99' }));

    expect(api.startCheckout).toHaveBeenCalledWith(
      { package_id: pkg.id, provider: 'local', currency: 'USD' },
      expect.stringMatching(/^[\w.:-]{8,100}$/),
    );
    expect(openBrowser).toHaveBeenCalledWith('http://localhost:54321/checkout/local/abc');
    expect(await screen.findByText('100 coins')).toBeOnTheScreen();
  });

  it('on Android/web (browser answers "opened") refreshes again when the app becomes active', async () => {
    const pkg = makePackage('coins_550', 550, { USD: 999 });
    api.coinPackages.mockResolvedValue({ items: [pkg] });
    let balance = 5;
    api.wallet.mockImplementation(async () => wallet(balance));
    api.startCheckout.mockResolvedValue({
      purchase_id: '00000000-0000-4000-c000-000000000002',
      provider: 'local',
      redirect_url: 'http://localhost:54321/checkout/local/def',
      client_secret: null,
    });
    openBrowser.mockResolvedValue({ type: 'opened' });
    const addListener = AppState.addEventListener as jest.Mock;
    renderApp('/wallet');
    const buy = await screen.findByTestId('buy-coins_550');
    addListener.mockClear(); // only the listener the purchase adds
    await press(buy);
    expect(openBrowser).toHaveBeenCalledWith('http://localhost:54321/checkout/local/def');
    const call = addListener.mock.calls.find(([event]) => event === 'change');
    expect(call).toBeDefined();

    balance = 555; // paid in the browser tab
    await act(async () => {
      call?.[1]('active');
    });
    expect(await screen.findByText('555 coins')).toBeOnTheScreen();
  });

  it('explains when the provider has no page to open', async () => {
    api.coinPackages.mockResolvedValue({ items: [makePackage('coins_100', 100, { USD: 199 })] });
    api.startCheckout.mockResolvedValue({
      purchase_id: '00000000-0000-4000-c000-000000000003',
      provider: 'stripe',
      redirect_url: null,
      client_secret: 'pi_secret',
    });
    renderApp('/wallet');
    await press(await screen.findByTestId('buy-coins_100'));
    expect(await screen.findByText('This payment method cannot be opened in this build.')).toBeOnTheScreen();
    expect(openBrowser).not.toHaveBeenCalled();
  });
});

describe('unlocking a PPV post', () => {
  const luna = makeCreator('demo.luna', { display_name: 'Luna' });

  it('sends an Idempotency-Key, reuses it on retry, and uses a new one for the next action', async () => {
    const first = makePost('', luna, { visibility: 'ppv', price_coins: 30, unlocked: false });
    const second = makePost('', luna, { visibility: 'ppv', price_coins: 40, unlocked: false });
    const unlocked = new Set<string>();
    api.feed.mockImplementation(async () => ({
      items: [first, second].map((p) =>
        unlocked.has(p.id) ? { ...p, unlocked: true, body: `Secret ${p.price_coins}` } : p,
      ),
      next_cursor: null,
    }));
    api.unlockPost
      .mockRejectedValueOnce(new TypeError('Network request failed'))
      .mockImplementation(async (id: string) => {
        unlocked.add(id);
        const post = [first, second].find((p) => p.id === id)!;
        return { ...spendResult(70), post: { ...post, unlocked: true, body: `Secret ${post.price_coins}` } };
      });
    renderApp('/');
    await press(await screen.findByRole('button', { name: 'Unlock for 30 coins' }));
    expect(await screen.findByText('Could not complete that: Network request failed')).toBeOnTheScreen();
    const key = api.unlockPost.mock.calls[0]?.[1];
    expect(key).toMatch(/^[\w.:-]{8,100}$/);

    await press(screen.getByRole('button', { name: 'Unlock for 30 coins' }));
    expect(api.unlockPost).toHaveBeenCalledTimes(2);
    expect(api.unlockPost.mock.calls[1]).toEqual([first.id, key]);
    expect(await screen.findByText('Secret 30')).toBeOnTheScreen();

    await press(screen.getByRole('button', { name: 'Unlock for 40 coins' }));
    expect(api.unlockPost.mock.calls[2]?.[0]).toBe(second.id);
    expect(api.unlockPost.mock.calls[2]?.[1]).not.toBe(key);
    expect(await screen.findByText('Secret 40')).toBeOnTheScreen();
  });

  it('on 402 offers to buy coins, which opens the wallet', async () => {
    const post = makePost('', luna, { visibility: 'ppv', price_coins: 30, unlocked: false });
    api.profile.mockResolvedValue(luna);
    api.profilePosts.mockResolvedValue({ items: [post], next_cursor: null });
    api.unlockPost.mockRejectedValue(new ApiClientError(402, 'insufficient_funds', 'not enough coins'));
    api.wallet.mockResolvedValue(wallet(10));
    renderApp('/creator/demo.luna');
    await press(await screen.findByRole('button', { name: 'Unlock for 30 coins' }));
    expect(await screen.findByText("You don't have enough coins.")).toBeOnTheScreen();
    await press(screen.getByRole('button', { name: 'Buy coins' }));
    expect(await screen.findByText('10 coins')).toBeOnTheScreen();
  });

  it('tells a wallet in debt apart, in Turkish', async () => {
    const post = makePost('', luna, { visibility: 'ppv', price_coins: 30, unlocked: false });
    api.feed.mockResolvedValue({ items: [post], next_cursor: null });
    api.unlockPost.mockRejectedValue(
      new ApiClientError(
        402,
        'wallet_in_debt',
        'your wallet is in debt after a refund; top up before spending',
      ),
    );
    const { useLanguageStore } = require('../src/i18n/i18n');
    useLanguageStore.setState({ language: 'tr' });
    renderApp('/');
    await press(await screen.findByRole('button', { name: '30 jetona kilidi aç' }));
    expect(await screen.findByText('Cüzdanın borçta; harcamadan önce jeton al.')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Jeton al' })).toBeOnTheScreen();
  });
});

describe('tipping a creator', () => {
  const luna = makeCreator('demo.luna', { display_name: 'Luna' });
  beforeEach(() => {
    api.profile.mockResolvedValue(luna);
  });

  it('validates the amount before sending', async () => {
    renderApp('/creator/demo.luna');
    const input = await screen.findByTestId('tip-amount');
    for (const bad of ['0', '-5', '12.5', 'abc', '100001', '']) {
      await act(async () => {
        fireEvent.changeText(input, bad);
      });
      expect(screen.getByText('The amount must be a whole number from 1 to 100000.')).toBeOnTheScreen();
      expect(screen.getByTestId('send-tip')).toBeDisabled();
    }
    await act(async () => {
      fireEvent.changeText(input, '100000');
    });
    expect(screen.queryByText('The amount must be a whole number from 1 to 100000.')).toBeNull();
    expect(screen.getByTestId('send-tip')).toBeEnabled();
    expect(api.tip).not.toHaveBeenCalled();
    expect(parseTipAmount(' 42 ')).toBe(42);
  });

  it('sends the picked amount with a key, and a changed amount with a new key', async () => {
    api.tip.mockRejectedValueOnce(new ApiClientError(402, 'insufficient_funds', 'not enough coins'));
    api.tip.mockResolvedValue(spendResult(40));
    renderApp('/creator/demo.luna');
    await press(await screen.findByRole('button', { name: '100 coins' }));
    await press(screen.getByRole('button', { name: 'Send 100 coins' }));
    expect(api.tip).toHaveBeenLastCalledWith(
      { creator_id: luna.id, amount: 100, note: '' },
      expect.any(String),
    );
    expect(await screen.findByRole('button', { name: 'Buy coins' })).toBeOnTheScreen();
    const firstKey = api.tip.mock.calls[0]?.[1];

    await press(screen.getByRole('button', { name: 'Send 100 coins' }));
    expect(api.tip.mock.calls[1]?.[1]).toBe(firstKey);
    expect(await screen.findByText('Tip sent. Balance left: 40 coins.')).toBeOnTheScreen();

    await press(screen.getByRole('button', { name: '10 coins' }));
    await press(screen.getByRole('button', { name: 'Send 10 coins' }));
    expect(api.tip.mock.calls[2]?.[0]).toMatchObject({ amount: 10 });
    expect(api.tip.mock.calls[2]?.[1]).not.toBe(firstKey);
  });
});

describe('subscribing to a creator', () => {
  const luna = makeCreator('demo.luna', { display_name: 'Luna' });

  it('lists tiers, subscribes with a key, then shows the subscription and cancels it', async () => {
    const tier = makeTier(luna.id, { name: 'Gold', price_coins: 50, trial_days: 7 });
    let subs: ReturnType<typeof makeSubscription>[] = [];
    api.profile.mockResolvedValue(luna);
    api.creatorTiers.mockResolvedValue({ items: [tier] });
    api.subscriptions.mockImplementation(async () => ({ items: subs }));
    api.subscribe.mockImplementation(async () => {
      subs = [makeSubscription(tier, { status: 'trialing' })];
      return { subscription: subs[0]!, replayed: false, balance: 100 };
    });
    api.cancelSubscription.mockImplementation(async () => {
      subs = [{ ...subs[0]!, cancel_at_period_end: true }];
      return subs[0]!;
    });
    renderApp('/creator/demo.luna');
    expect(await screen.findByText('Gold · 50 coins a month')).toBeOnTheScreen();
    expect(screen.getByText('7-day free trial')).toBeOnTheScreen();
    expect(api.creatorTiers).toHaveBeenCalledWith(luna.id);

    await press(screen.getByRole('button', { name: 'Subscribe to Gold' }));
    expect(api.subscribe).toHaveBeenCalledWith(tier.id, expect.stringMatching(/^[\w.:-]{8,100}$/));
    expect(await screen.findByTestId('subscription-state')).toHaveTextContent(/Subscribed · until/);

    await press(screen.getByRole('button', { name: 'Cancel subscription' }));
    expect(api.cancelSubscription).toHaveBeenCalledWith(luna.id);
    await waitFor(() => expect(screen.getByTestId('subscription-state')).toHaveTextContent(/ends on/));
  });

  it('shows the buy-coins prompt when the first month cannot be paid', async () => {
    const tier = makeTier(luna.id);
    api.profile.mockResolvedValue(luna);
    api.creatorTiers.mockResolvedValue({ items: [tier] });
    api.subscribe.mockRejectedValue(new ApiClientError(402, 'insufficient_funds', 'not enough coins'));
    renderApp('/creator/demo.luna');
    await press(await screen.findByRole('button', { name: 'Subscribe to Gold' }));
    expect(await screen.findByTestId('insufficient-funds')).toBeOnTheScreen();
    await press(screen.getByRole('button', { name: 'Subscribe to Gold' }));
    expect(api.subscribe.mock.calls[1]?.[1]).toBe(api.subscribe.mock.calls[0]?.[1]);
  });
});
