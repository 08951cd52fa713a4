import type { Post } from '@ipelya/contracts';
import { act, screen, waitFor } from 'expo-router/testing-library';
import { fire, press } from './support/actions';
import { api, makeCreator, makePost } from './support/fake-api';
import { makeToken } from './support/fake-supabase';
import { FakeWebSocket } from './support/fake-websocket';
import { renderApp } from './support/render-app';

const luna = makeCreator('demo.luna');
const page1 = [makePost('First post from Luna', luna), makePost('Second post from Luna', luna)];
const page2 = [makePost('Older post from Luna', luna)];

function serveFeed(...pages: Post[][]) {
  api.feed.mockImplementation(async (q?: { cursor?: string }) => {
    const index = q?.cursor ? Number(q.cursor) : 0;
    return { items: pages[index] ?? [], next_cursor: index + 1 < pages.length ? String(index + 1) : null };
  });
}

function notification(kind: 'new_post' | 'new_follower') {
  return {
    type: 'notification',
    notification: {
      id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a11',
      kind,
      actor: { id: luna.id, handle: luna.handle, display_name: luna.display_name },
      post_id: kind === 'new_post' ? '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a12' : null,
      conversation_id: null,
      created_at: '2026-11-24T10:00:00.000Z',
      read_at: null,
    },
  };
}

describe('feed screen', () => {
  it('renders the first page and loads the next one at the end of the list', async () => {
    serveFeed(page1, page2);
    renderApp('/');
    expect(await screen.findByText('First post from Luna')).toBeOnTheScreen();
    expect(screen.getByText('Second post from Luna')).toBeOnTheScreen();
    expect(screen.queryByText('Older post from Luna')).toBeNull();
    expect(api.feed).toHaveBeenCalledWith({ cursor: undefined, limit: 20 });

    await fire(screen.getByTestId('feed-list'), 'onEndReached');
    expect(await screen.findByText('Older post from Luna')).toBeOnTheScreen();
    expect(api.feed).toHaveBeenLastCalledWith({ cursor: '1', limit: 20 });
    expect(screen.getByText("You're all caught up.")).toBeOnTheScreen();

    // No further page: reaching the end again asks for nothing more.
    const calls = api.feed.mock.calls.length;
    await fire(screen.getByTestId('feed-list'), 'onEndReached');
    expect(api.feed).toHaveBeenCalledTimes(calls);
  });

  it('refetches on pull to refresh', async () => {
    serveFeed(page1);
    renderApp('/');
    await screen.findByText('First post from Luna');
    serveFeed([makePost('Fresh post', luna), ...page1]);
    const refresh = screen.getByTestId('feed-list').props.refreshControl as {
      props: { onRefresh: () => Promise<void> };
    };
    await act(() => refresh.props.onRefresh());
    expect(await screen.findByText('Fresh post')).toBeOnTheScreen();
  });

  it('opens the realtime socket with the access token and refetches on a new_post notification', async () => {
    serveFeed(page1);
    renderApp('/');
    await screen.findByText('First post from Luna');
    const socket = FakeWebSocket.latestOpen();
    // The token travels in the first frame, never in the URL.
    expect(socket?.url).toBe('ws://localhost:54321/realtime/v1/websocket');
    await act(async () => socket?.open());
    expect(socket?.sent[0]).toEqual({ type: 'auth', access_token: makeToken('real') });
    const before = api.feed.mock.calls.length;

    // A follower notification is not about the feed.
    await act(async () => socket?.receive(notification('new_follower')));
    expect(api.feed).toHaveBeenCalledTimes(before);

    serveFeed([makePost('Live post from Luna', luna), ...page1]);
    await act(async () => socket?.receive({ type: 'ready', persona_id: luna.id }));
    await act(async () => socket?.receive(notification('new_post')));
    expect(await screen.findByText('Live post from Luna')).toBeOnTheScreen();
    expect(api.feed.mock.calls.length).toBeGreaterThan(before);
  });

  it('ignores malformed realtime messages', async () => {
    serveFeed(page1);
    renderApp('/');
    await screen.findByText('First post from Luna');
    const before = api.feed.mock.calls.length;
    await act(async () => {
      FakeWebSocket.latestOpen()?.onmessage?.({ data: 'not json' });
      FakeWebSocket.latestOpen()?.receive({ type: 'notification', notification: { kind: 'new_post' } });
    });
    expect(api.feed).toHaveBeenCalledTimes(before);
  });

  it('suggests creators when the feed is empty and opens their profile', async () => {
    api.creators.mockResolvedValue({ items: [luna, makeCreator('demo.kai')], next_cursor: null });
    const app = renderApp('/');
    expect(await screen.findByText('No posts yet. Discover creators to follow.')).toBeOnTheScreen();
    await press(await screen.findByText('@demo.kai'));
    await waitFor(() => expect(app.getPathname()).toBe('/creator/demo.kai'));
  });

  it('shows a locked teaser instead of the body of a post the viewer has not unlocked', async () => {
    serveFeed([makePost('', luna, { unlocked: false, visibility: 'ppv', price_coins: 50 })]);
    renderApp('/');
    expect(await screen.findByText(/This post is locked\. Unlocks for 50 coins/)).toBeOnTheScreen();
  });

  it('shows the error and retries', async () => {
    serveFeed(page1);
    // The first load and its one automatic retry fail; the user's retry succeeds.
    api.feed.mockRejectedValueOnce(new Error('server unreachable'));
    api.feed.mockRejectedValueOnce(new Error('server unreachable'));
    renderApp('/');
    expect(
      await screen.findByText('Something went wrong: server unreachable', {}, { timeout: 4000 }),
    ).toBeOnTheScreen();
    await press(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('First post from Luna')).toBeOnTheScreen();
  });
});
