// Mutations and realtime events patch the cache with what the server answered: the lists on screen
// change without being read again (counted as calls to the fake API).
import type { Conversation, Post, Wallet } from '@ipelya/contracts';
import { type InfiniteData, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, screen, waitFor } from 'expo-router/testing-library';
import type { ReactNode } from 'react';
import type { Clients } from '../src/lib/clients';
import { ClientsContext } from '../src/lib/clients-context';
import { subscriptionsKey, useCancelSubscription, useSubscribe } from '../src/state/queries/subscriptions';
import { useTip } from '../src/state/queries/tips';
import { walletKey } from '../src/state/queries/wallet';
import { fire, press } from './support/actions';
import {
  api,
  makeConversation,
  makeCreator,
  makeMe,
  makeMessage,
  makePost,
  makeSubscription,
  makeTier,
  spendResult,
} from './support/fake-api';
import { FakeWebSocket } from './support/fake-websocket';
import { renderApp } from './support/render-app';

const me = makeMe('real');
const myId = me.active_profile.id;
const luna = makeCreator('demo.luna', { display_name: 'Luna' });
const mert = makeCreator('demo.mert', { display_name: 'Mert' });
const ref = (p: typeof luna) => ({ id: p.id, handle: p.handle, display_name: p.display_name });

/** The conversation rows of the list, top to bottom. */
const rowOrder = () =>
  screen
    .getAllByTestId(/^conversation-[0-9a-f]{8}-/, { includeHiddenElements: true })
    .map((row) => row.props.testID as string);

async function openSocket(): Promise<FakeWebSocket> {
  const socket = FakeWebSocket.latestOpen();
  if (!socket) throw new Error('no realtime socket');
  await act(async () => socket.open());
  return socket;
}

/** Two conversations, Mert's on top; Luna's chat serves one message. */
function serveLists() {
  const withLuna = makeConversation(ref(luna));
  const hello = makeMessage(withLuna.id, luna.id, 'Hello from Luna', {
    created_at: '2026-11-24T09:00:00.000Z',
  });
  withLuna.last_message = hello;
  const withMert = makeConversation(ref(mert));
  withMert.last_message = makeMessage(withMert.id, mert.id, 'Hi from Mert', {
    created_at: '2026-11-24T09:30:00.000Z',
  });
  const lists: { conversations: Conversation[]; requests: Conversation[] } = {
    conversations: [withMert, withLuna],
    requests: [],
  };
  api.me.mockResolvedValue(me);
  api.conversations.mockImplementation(async () => lists);
  api.conversation.mockImplementation(async (id: string) => (id === withLuna.id ? withLuna : withMert));
  api.messages.mockImplementation(async (id: string) => ({
    items: id === withLuna.id ? [hello] : [],
    next_cursor: null,
  }));
  return { withLuna, withMert };
}

describe('the conversation list follows messages without being read again', () => {
  it('a sent message becomes the preview and moves its conversation to the top', async () => {
    const { withLuna, withMert } = serveLists();
    const sent = makeMessage(withLuna.id, myId, 'On my way', { created_at: '2026-11-24T10:00:00.000Z' });
    api.sendMessage.mockResolvedValue(sent);
    renderApp('/messages');
    expect(await screen.findByTestId(`preview-${withLuna.id}`)).toHaveTextContent('Hello from Luna');
    expect(rowOrder()).toEqual([`conversation-${withMert.id}`, `conversation-${withLuna.id}`]);

    await press(screen.getByLabelText('Luna'));
    expect(await screen.findByTestId('chat-input')).toBeOnTheScreen();
    // Opening the chat marks it read; that, too, is answered without reading the list.
    await waitFor(() => expect(api.markRead).toHaveBeenCalledWith(withLuna.id));
    const listReads = api.conversations.mock.calls.length;

    await fire(screen.getByTestId('chat-input'), 'changeText', 'On my way');
    await press(screen.getByTestId('chat-send'));
    expect(await screen.findByText('On my way')).toBeOnTheScreen();

    // The list stays mounted under the chat (hidden from the accessibility tree).
    await waitFor(() =>
      expect(screen.getByTestId(`preview-${withLuna.id}`, { includeHiddenElements: true })).toHaveTextContent(
        'You: On my way',
      ),
    );
    expect(rowOrder()).toEqual([`conversation-${withLuna.id}`, `conversation-${withMert.id}`]);
    expect(api.conversations).toHaveBeenCalledTimes(listReads);
  });

  it('a realtime message updates preview, unread count and order; an unknown conversation reads the list', async () => {
    const { withLuna, withMert } = serveLists();
    renderApp('/messages');
    expect(await screen.findByTestId(`preview-${withLuna.id}`)).toBeOnTheScreen();
    const socket = await openSocket();
    const listReads = api.conversations.mock.calls.length;

    const live = makeMessage(withLuna.id, luna.id, 'Are you there?', {
      created_at: '2026-11-24T10:00:00.000Z',
    });
    await act(async () => socket.receive({ type: 'message', message: live }));
    await waitFor(() =>
      expect(screen.getByTestId(`preview-${withLuna.id}`)).toHaveTextContent('Are you there?'),
    );
    expect(screen.getByTestId(`unread-${withLuna.id}`)).toHaveTextContent('1');
    expect(rowOrder()).toEqual([`conversation-${withLuna.id}`, `conversation-${withMert.id}`]);
    // The same message again (another delivery) is not counted twice.
    await act(async () => socket.receive({ type: 'message', message: live }));
    expect(screen.getByTestId(`unread-${withLuna.id}`)).toHaveTextContent('1');

    // The other member read: only the receipt changes, nothing is read again.
    await act(async () =>
      socket.receive({
        type: 'read',
        read: { conversation_id: withLuna.id, profile_id: luna.id, last_read_at: '2026-11-24T10:01:00.000Z' },
      }),
    );
    expect(api.conversations).toHaveBeenCalledTimes(listReads);

    // A first message of a conversation the list does not hold: only the server knows it.
    const stranger = makeMessage('0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a95', mert.id, 'New request');
    await act(async () => socket.receive({ type: 'message', message: stranger }));
    await waitFor(() => expect(api.conversations).toHaveBeenCalledTimes(listReads + 1));
  });
});

describe('unlocking a post', () => {
  it('shows the post the server answered, in the feed, without reading the feed again', async () => {
    const post = makePost('', luna, { visibility: 'ppv', price_coins: 30, unlocked: false });
    api.feed.mockResolvedValue({ items: [post], next_cursor: null });
    const unlocked: Post = { ...post, unlocked: true, body: 'Behind the scenes' };
    api.unlockPost.mockResolvedValue({ ...spendResult(70), post: unlocked });
    renderApp('/');
    await press(await screen.findByRole('button', { name: 'Unlock for 30 coins' }));
    expect(await screen.findByText('Behind the scenes')).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'Unlock for 30 coins' })).toBeNull();
    expect(api.feed).toHaveBeenCalledTimes(1);
  });
});

describe('spending', () => {
  function hookWrapper() {
    const clients = { api, platform: 'web', installId: 'install-1', supabase: {} } as unknown as Clients;
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={queryClient}>
        <ClientsContext.Provider value={clients}>{children}</ClientsContext.Provider>
      </QueryClientProvider>
    );
    return { queryClient, wrapper };
  }
  const walletPages = (balance: number): InfiniteData<Wallet> => ({
    pages: [{ balance, in_debt: balance < 0, history: [], next_cursor: null }],
    pageParams: [undefined],
  });
  const tier = makeTier(luna.id);

  it("a tip's answered balance is the wallet's; its history is left for the next read", async () => {
    const { queryClient, wrapper } = hookWrapper();
    queryClient.setQueryData(walletKey(), walletPages(100));
    api.tip.mockResolvedValue(spendResult(90));
    const { result } = renderHook(() => useTip(luna.id), { wrapper });
    await act(async () => {
      await result.current.mutateAsync({ amount: 10, key: 'tip-key-0001' });
    });
    expect(queryClient.getQueryData<InfiniteData<Wallet>>(walletKey())?.pages[0]?.balance).toBe(90);
    expect(queryClient.getQueryState(walletKey())?.isInvalidated).toBe(true);
    // Nobody shows the wallet: nothing is read until someone does.
    expect(api.wallet).not.toHaveBeenCalled();
  });

  it("a subscription's answer is filed in the list and the wallet without reading either", async () => {
    const { queryClient, wrapper } = hookWrapper();
    queryClient.setQueryData(walletKey(), walletPages(-5));
    const older = makeSubscription(makeTier(mert.id), { current_period_end: '2026-12-01T10:00:00.000Z' });
    queryClient.setQueryData(subscriptionsKey(), { items: [older] });
    const subscription = makeSubscription(tier, { current_period_end: '2026-12-24T10:00:00.000Z' });
    api.subscribe.mockResolvedValue({ subscription, replayed: false, balance: -55 });
    const { result } = renderHook(() => useSubscribe(), { wrapper });
    await act(async () => {
      await result.current.mutateAsync({ tierId: tier.id, key: 'subscribe-key-01' });
    });
    expect(queryClient.getQueryData(subscriptionsKey())).toEqual({ items: [subscription, older] });
    expect(queryClient.getQueryData<InfiniteData<Wallet>>(walletKey())?.pages[0]).toMatchObject({
      balance: -55,
      in_debt: true,
    });
    expect(api.subscriptions).not.toHaveBeenCalled();

    const canceled = { ...subscription, cancel_at_period_end: true };
    api.cancelSubscription.mockResolvedValue(canceled);
    const cancel = renderHook(() => useCancelSubscription(), { wrapper });
    await act(async () => {
      await cancel.result.current.mutateAsync(luna.id);
    });
    expect(queryClient.getQueryData(subscriptionsKey())).toEqual({ items: [canceled, older] });
    expect(api.subscriptions).not.toHaveBeenCalled();
  });
});
