import type { Conversation, Message } from '@ipelya/contracts';
import { randomUUID } from 'expo-crypto';
import { act, fireEvent, screen, waitFor, within } from 'expo-router/testing-library';
import { AppState, BackHandler } from 'react-native';
import { fire, press } from './support/actions';
import { api, apiError, makeConversation, makeCreator, makeMe, makeMessage } from './support/fake-api';
import { audioPlayers, videoPlayers } from './support/fake-media';
import { takeScreenshot, usePreventScreenCapture } from './support/fake-screen-capture';
import { FakeWebSocket } from './support/fake-websocket';
import { renderApp } from './support/render-app';

const me = makeMe('real');
const myId = me.active_profile.id;
const luna = makeCreator('demo.luna', { display_name: 'Luna' });
const kai = makeCreator('demo.kai', { display_name: 'Kai' });
const mert = makeCreator('demo.mert', { display_name: 'Mert' });
const ref = (p: typeof luna) => ({ id: p.id, handle: p.handle, display_name: p.display_name });

const preventedKeys = () => usePreventScreenCapture.mock.calls.map(([key]) => key);

/** Serves a conversation: `latest` (oldest first) as the newest page, `older` behind a `before` cursor. */
function serveChat(
  conversation: Conversation,
  latest: Message[],
  { older = [] as Message[], missed = [] as Message[] } = {},
) {
  api.me.mockResolvedValue(me);
  api.conversation.mockImplementation(async (id: string) => {
    if (id !== conversation.id) throw apiError(404, 'not_found');
    return conversation;
  });
  api.messages.mockImplementation(async (_id, q) => {
    if (q?.after) return { items: missed, next_cursor: null };
    if (q?.before) return { items: [...older].reverse(), next_cursor: null };
    return {
      items: [...latest].reverse(),
      next_cursor: older.length > 0 ? (latest[0]?.cursor ?? null) : null,
    };
  });
}

async function openSocket(): Promise<FakeWebSocket> {
  const socket = FakeWebSocket.latestOpen();
  if (!socket) throw new Error('no realtime socket');
  await act(async () => socket.open());
  return socket;
}

describe('conversation list', () => {
  it('lists conversations and message requests apart, with unread counts and sealed previews', async () => {
    const withLuna = makeConversation(ref(luna), { unread_count: 2 });
    withLuna.last_message = makeMessage(withLuna.id, luna.id, '', { locked: true, price_coins: 20 });
    const withMert = makeConversation(ref(mert));
    withMert.last_message = makeMessage(withMert.id, mert.id, '', {
      kind: 'image',
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a99',
    });
    const mine = makeConversation(ref(makeCreator('demo.ece', { display_name: 'Ece' })));
    mine.last_message = makeMessage(mine.id, myId, 'See you soon');
    const request = makeConversation(ref(kai), { state: 'request', unread_count: 1 });
    request.last_message = makeMessage(request.id, kai.id, 'Hi there');
    api.me.mockResolvedValue(me);
    api.conversations.mockResolvedValue({ conversations: [withLuna, withMert, mine], requests: [request] });

    renderApp('/messages');
    const chats = await screen.findByTestId('conversation-list');
    expect(within(chats).getByText('Luna')).toBeOnTheScreen();
    expect(screen.getByTestId(`preview-${withLuna.id}`)).toHaveTextContent('🔒 Paid message');
    expect(screen.getByTestId(`unread-${withLuna.id}`)).toHaveTextContent('2');
    expect(screen.getByTestId(`preview-${withMert.id}`)).toHaveTextContent('⏱ View once');
    expect(screen.getByTestId(`preview-${mine.id}`)).toHaveTextContent('You: See you soon');
    expect(screen.queryByTestId(`unread-${mine.id}`)).toBeNull();
    // Requests are not mixed into the conversations.
    expect(screen.queryByText('Kai')).toBeNull();
    expect(screen.getByTestId('tab-requests')).toHaveTextContent('Requests (1)');
    expect(preventedKeys()).toContain('messages');

    await press(screen.getByTestId('tab-requests'));
    const requests = screen.getByTestId('request-list');
    expect(within(requests).getByText('Kai')).toBeOnTheScreen();
    expect(within(requests).getByText('Hi there')).toBeOnTheScreen();
    expect(within(requests).queryByText('Luna')).toBeNull();
  });

  it('accepts, declines and blocks requests through the API and refreshes the lists', async () => {
    const fromKai = makeConversation(ref(kai), { state: 'request' });
    fromKai.last_message = makeMessage(fromKai.id, kai.id, 'Hi from Kai');
    const fromMert = makeConversation(ref(mert), { state: 'request' });
    fromMert.last_message = makeMessage(fromMert.id, mert.id, 'Hi from Mert');
    const fromLuna = makeConversation(ref(luna), { state: 'request' });
    fromLuna.last_message = makeMessage(fromLuna.id, luna.id, 'Hi from Luna');
    let lists = { conversations: [] as Conversation[], requests: [fromKai, fromMert, fromLuna] };
    api.me.mockResolvedValue(me);
    api.conversations.mockImplementation(async () => lists);
    api.respondToConversation.mockImplementation(async (id, action) => {
      const c = [fromKai, fromMert, fromLuna].find((x) => x.id === id)!;
      const answered = { ...c, state: action === 'accept' ? ('active' as const) : ('declined' as const) };
      lists = {
        conversations: action === 'accept' ? [...lists.conversations, answered] : lists.conversations,
        requests: lists.requests.filter((r) => r.id !== id),
      };
      return answered;
    });

    renderApp('/messages');
    await press(await screen.findByTestId('tab-requests'));
    await press(await screen.findByLabelText('Accept the request from Kai'));
    expect(api.respondToConversation).toHaveBeenLastCalledWith(fromKai.id, 'accept');
    await waitFor(() => expect(screen.queryByText('Hi from Kai')).toBeNull());

    await press(screen.getByLabelText('Decline the request from Mert'));
    expect(api.respondToConversation).toHaveBeenLastCalledWith(fromMert.id, 'decline');
    await press(screen.getByLabelText('Block Luna'));
    expect(api.respondToConversation).toHaveBeenLastCalledWith(fromLuna.id, 'block');
    expect(api.respondToConversation).toHaveBeenCalledTimes(3);
    expect(await screen.findByText('No message requests.')).toBeOnTheScreen();

    await press(screen.getByTestId('tab-chats'));
    expect(within(screen.getByTestId('conversation-list')).getByText('Kai')).toBeOnTheScreen();
  });
});

describe('chat', () => {
  it('shows the messages, sends one, marks read, shows typing and "seen"', async () => {
    const c = makeConversation(ref(luna));
    const hello = makeMessage(c.id, luna.id, 'Hello from Luna');
    const reply = makeMessage(c.id, myId, 'Hi Luna');
    serveChat(c, [hello, reply]);
    const sent = makeMessage(c.id, myId, 'How are you?');
    api.sendMessage.mockResolvedValue(sent);

    renderApp(`/messages/${c.id}`);
    expect(await screen.findByText('Hello from Luna')).toBeOnTheScreen();
    expect(screen.getByText('Hi Luna')).toBeOnTheScreen();
    expect(screen.getByTestId('timer-button')).toHaveTextContent(/Disappearing messages: Off/);
    await waitFor(() => expect(api.markRead).toHaveBeenCalledWith(c.id));
    expect(api.markRead).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('seen-marker')).toBeNull();
    const socket = await openSocket();

    await fire(screen.getByTestId('chat-input'), 'changeText', 'How are you?');
    expect(socket.sent).toContainEqual({ type: 'typing', conversation_id: c.id });
    await press(screen.getByTestId('chat-send'));
    expect(api.sendMessage).toHaveBeenCalledWith(c.id, { body: 'How are you?' });
    expect(await screen.findByText('How are you?')).toBeOnTheScreen();
    expect(screen.getByTestId('chat-input').props.value).toBe('');

    await act(async () => socket.receive({ type: 'typing', conversation_id: c.id, profile_id: luna.id }));
    expect(screen.getByTestId('typing-indicator')).toHaveTextContent('Luna is typing…');

    const live = makeMessage(c.id, luna.id, 'Fine, thanks!');
    await act(async () => socket.receive({ type: 'message', message: live }));
    expect(await screen.findByText('Fine, thanks!')).toBeOnTheScreen();
    expect(screen.queryByTestId('typing-indicator')).toBeNull();
    await waitFor(() => expect(api.markRead).toHaveBeenCalledTimes(2));

    await act(async () =>
      socket.receive({
        type: 'read',
        read: { conversation_id: c.id, profile_id: luna.id, last_read_at: '2026-12-01T00:00:00.000Z' },
      }),
    );
    const seen = await screen.findByTestId('seen-marker');
    expect(seen).toHaveTextContent('Seen');
    expect(within(screen.getByTestId(`message-${sent.id}`)).getByText('Seen')).toBeOnTheScreen();
  });

  it('does not send read receipts for a request and offers accept instead of a composer', async () => {
    const c = makeConversation(ref(kai), { state: 'request' });
    serveChat(c, [makeMessage(c.id, kai.id, 'Can we talk?')]);
    api.respondToConversation.mockResolvedValue({ ...c, state: 'active' });
    renderApp(`/messages/${c.id}`);
    expect(await screen.findByText('Can we talk?')).toBeOnTheScreen();
    expect(screen.queryByTestId('chat-input')).toBeNull();
    expect(api.markRead).not.toHaveBeenCalled();

    await press(screen.getByLabelText('Accept the request from Kai'));
    expect(api.respondToConversation).toHaveBeenCalledWith(c.id, 'accept');
    expect(await screen.findByTestId('chat-input')).toBeOnTheScreen();
    await waitFor(() => expect(api.markRead).toHaveBeenCalledWith(c.id));
  });

  it('sets the self-destruct timer and shows when each message disappears', async () => {
    const c = makeConversation(ref(luna));
    const soon = makeMessage(c.id, luna.id, 'Gone in a moment', {
      expires_at: new Date(Date.now() + 1500).toISOString(),
    });
    const later = makeMessage(c.id, luna.id, 'Gone in five', {
      expires_at: new Date(Date.now() + 5 * 60_000 - 500).toISOString(),
    });
    serveChat(c, [soon, later]);
    renderApp(`/messages/${c.id}`);
    expect(await screen.findByText('Gone in five')).toBeOnTheScreen();
    expect(screen.getByTestId(`expires-${later.id}`)).toHaveTextContent('Disappears in 5 min');

    await press(screen.getByTestId('timer-button'));
    expect(screen.getByTestId('timer-picker')).toBeOnTheScreen();
    for (const label of ['Off', '30 s after read', '5 minutes', '1 hour', '24 hours', '7 days'])
      expect(within(screen.getByTestId('timer-picker')).getByText(label)).toBeOnTheScreen();
    await press(screen.getByTestId('timer-1h'));
    expect(api.setConversationTimer).toHaveBeenCalledWith(c.id, '1h');
    await waitFor(() =>
      expect(screen.getByTestId('timer-button')).toHaveTextContent(/Disappearing messages: 1 hour/),
    );
    expect(screen.queryByTestId('timer-picker')).toBeNull();

    // The expired message leaves the screen on time, without a server round trip.
    expect(screen.getByText('Gone in a moment')).toBeOnTheScreen();
    await act(async () => {
      jest.advanceTimersByTime(2000);
    });
    expect(screen.queryByText('Gone in a moment')).toBeNull();
    expect(screen.getByText('Gone in five')).toBeOnTheScreen();
  });

  it('drops messages the server no longer has when the window is read again', async () => {
    const c = makeConversation(ref(luna), { timer: '30s_after_read' });
    const purged = makeMessage(c.id, myId, 'Already purged');
    const mine = makeMessage(c.id, myId, 'Counting down');
    serveChat(c, [purged, mine]);
    renderApp(`/messages/${c.id}`);
    expect(await screen.findByText('Already purged')).toBeOnTheScreen();
    const socket = await openSocket();

    // Luna reads: the server starts the after-read countdown and has purged the older message.
    serveChat(c, [{ ...mine, expires_at: new Date(Date.now() + 29_500).toISOString() }]);
    await act(async () =>
      socket.receive({
        type: 'read',
        read: { conversation_id: c.id, profile_id: luna.id, last_read_at: new Date().toISOString() },
      }),
    );
    await waitFor(() => expect(screen.queryByText('Already purged')).toBeNull());
    expect(screen.getByTestId(`expires-${mine.id}`)).toHaveTextContent('Disappears in 30 s');
  });

  it('scrolls back with `before` and catches up with `after` after a reconnect', async () => {
    const c = makeConversation(ref(luna));
    const old = makeMessage(c.id, luna.id, 'From last week');
    const recent = makeMessage(c.id, luna.id, 'Recent one');
    const missed = makeMessage(c.id, luna.id, 'Sent while offline');
    serveChat(c, [recent], { older: [old] });
    renderApp(`/messages/${c.id}`);
    expect(await screen.findByText('Recent one')).toBeOnTheScreen();
    expect(screen.queryByText('From last week')).toBeNull();

    await fire(screen.getByTestId('chat-messages'), 'onEndReached');
    expect(api.messages).toHaveBeenCalledWith(c.id, { before: recent.cursor, limit: 30 });
    expect(await screen.findByText('From last week')).toBeOnTheScreen();

    const first = await openSocket();
    await act(async () => first.drop());
    // Luna writes while this device is offline.
    serveChat(c, [recent], { older: [old], missed: [missed] });
    await waitFor(() => expect(FakeWebSocket.latestOpen()).toBeDefined(), { timeout: 3000 });
    expect(screen.queryByText('Sent while offline')).toBeNull();
    await openSocket();
    expect(api.messages).toHaveBeenCalledWith(c.id, { after: recent.cursor, limit: 100 });
    expect(await screen.findByText('Sent while offline')).toBeOnTheScreen();
    expect(screen.getByText('From last week')).toBeOnTheScreen();
  });

  it('opens a view-once photo exactly once, full screen inside the capture guard', async () => {
    const c = makeConversation(ref(luna));
    const photo = makeMessage(c.id, luna.id, '', {
      kind: 'image',
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a98',
    });
    serveChat(c, [photo]);
    const url = 'https://media.example/once.jpg?sig=abc';
    api.openViewOnce.mockResolvedValue({ url, expires_at: '2026-12-01T00:00:00.000Z' });

    renderApp(`/messages/${c.id}`);
    await press(await screen.findByTestId(`view-once-${photo.id}`));
    expect(api.openViewOnce).toHaveBeenCalledWith(photo.id);
    expect(screen.getByTestId('view-once-viewer')).toBeOnTheScreen();
    expect(screen.getByTestId('view-once-media').props.source).toEqual({ uri: url });
    expect(preventedKeys()).toEqual(expect.arrayContaining([`chat:${c.id}`, `view-once:${photo.id}`]));

    await press(screen.getByTestId('view-once-close'));
    expect(screen.queryByTestId('view-once-viewer')).toBeNull();
    expect(screen.getByTestId(`view-once-state-${photo.id}`)).toHaveTextContent('Opened');
    expect(screen.queryByTestId(`view-once-${photo.id}`)).toBeNull();
    expect(api.openViewOnce).toHaveBeenCalledTimes(1);
  });

  it('plays a view-once voice note exactly once inside the capture guard, with no way back', async () => {
    const c = makeConversation(ref(luna));
    const voice = makeMessage(c.id, luna.id, '', {
      kind: 'audio',
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a96',
    });
    serveChat(c, [voice]);
    const url = 'https://media.example/once.m4a?sig=abc';
    api.openViewOnce.mockResolvedValue({ url, expires_at: '2026-12-01T00:00:00.000Z' });

    renderApp(`/messages/${c.id}`);
    const open = await screen.findByTestId(`view-once-${voice.id}`);
    expect(open).toHaveTextContent('⏱ Voice message · view once · tap to play');
    // Nothing is fetched or played before the one open.
    expect(audioPlayers).toHaveLength(0);
    // A second tap landing before the button is disabled does not spend another request.
    await act(async () => {
      fireEvent.press(open);
      fireEvent.press(open);
    });
    expect(api.openViewOnce).toHaveBeenCalledTimes(1);
    expect(api.openViewOnce).toHaveBeenCalledWith(voice.id);
    expect(api.mediaUrl).not.toHaveBeenCalled();
    expect(screen.getByTestId('view-once-viewer')).toBeOnTheScreen();
    expect(preventedKeys()).toEqual(expect.arrayContaining([`chat:${c.id}`, `view-once:${voice.id}`]));

    expect(audioPlayers).toHaveLength(1);
    const player = audioPlayers[0]!;
    expect(player.source).toBe(url);
    expect(player.play).toHaveBeenCalledTimes(1);
    const toggle = screen.getByTestId('view-once-audio-toggle');
    expect(toggle).toHaveAccessibleName('Pause the voice message');
    expect(screen.getByTestId('view-once-audio-time')).toHaveTextContent('0:00 / 0:12');
    // Pause and resume carry on from where it was.
    await press(toggle);
    expect(player.pause).toHaveBeenCalledTimes(1);
    await press(screen.getByRole('button', { name: 'Play the voice message' }));
    expect(player.play).toHaveBeenCalledTimes(2);

    // Played to the end: the player is gone, nothing starts it over.
    await act(async () => player.finish());
    expect(screen.getByTestId('view-once-finished')).toHaveTextContent(
      "Played. A view-once message can't be played again.",
    );
    expect(screen.queryByTestId('view-once-audio-toggle')).toBeNull();
    expect(player.seekTo).not.toHaveBeenCalled();
    expect(player.play).toHaveBeenCalledTimes(2);

    await press(screen.getByTestId('view-once-close'));
    expect(screen.queryByTestId('view-once-viewer')).toBeNull();
    expect(screen.getByTestId(`view-once-state-${voice.id}`)).toHaveTextContent('Opened');
    expect(screen.queryByTestId(`view-once-${voice.id}`)).toBeNull();
    expect(api.openViewOnce).toHaveBeenCalledTimes(1);
    expect(audioPlayers).toHaveLength(1);
  });

  it('plays a view-once video in the viewer only: no fullscreen, PiP, scrubbing or background playback', async () => {
    const c = makeConversation(ref(luna));
    const clip = makeMessage(c.id, luna.id, '', {
      kind: 'video',
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a95',
    });
    serveChat(c, [clip]);
    const url = 'https://media.example/once.mp4?sig=abc';
    api.openViewOnce.mockResolvedValue({ url, expires_at: '2026-12-01T00:00:00.000Z' });

    renderApp(`/messages/${c.id}`);
    const open = await screen.findByTestId(`view-once-${clip.id}`);
    expect(open).toHaveTextContent('⏱ Video · view once · tap to play');
    const addListener = AppState.addEventListener as jest.Mock;
    addListener.mockClear(); // only the listeners the viewer adds
    await press(open);
    expect(api.openViewOnce).toHaveBeenCalledTimes(1);
    expect(api.openViewOnce).toHaveBeenCalledWith(clip.id);
    expect(preventedKeys()).toContain(`view-once:${clip.id}`);

    const view = screen.getByTestId('view-once-video');
    expect(within(screen.getByTestId('view-once-viewer')).getByTestId('view-once-video')).toBe(view);
    expect(videoPlayers).toHaveLength(1);
    const player = videoPlayers[0]!;
    expect(player.source).toBe(url);
    expect(view.props.player).toBe(player);
    expect(player.play).toHaveBeenCalledTimes(1);
    // Each of these would play the clip outside the capture-guarded window, or play it back again.
    expect(view.props.fullscreenOptions).toEqual({ enable: false });
    expect(view.props.allowsPictureInPicture).toBe(false);
    expect(view.props.startsPictureInPictureAutomatically).toBe(false);
    expect(view.props.nativeControls).toBe(false);
    expect(view.props.requiresLinearPlayback).toBe(true);
    expect(player.loop).toBe(false);
    expect(player.staysActiveInBackground).toBe(false);
    expect(player.showNowPlayingNotification).toBe(false);
    expect(player.allowsExternalPlayback).toBe(false);

    expect(screen.getByTestId('view-once-video-toggle')).toHaveAccessibleName('Pause the video');
    await press(screen.getByTestId('view-once-video-toggle'));
    expect(player.pause).toHaveBeenCalledTimes(1);
    await press(screen.getByRole('button', { name: 'Play the video' }));
    expect(player.play).toHaveBeenCalledTimes(2);
    // Leaving the app pauses it.
    await act(async () => {
      for (const [event, listener] of addListener.mock.calls) if (event === 'change') listener('background');
    });
    expect(player.pause).toHaveBeenCalledTimes(2);

    await act(async () => player.finish());
    expect(screen.queryByTestId('view-once-video')).toBeNull();
    expect(screen.getByTestId('view-once-finished')).toBeOnTheScreen();
    expect(player.seekBy).not.toHaveBeenCalled();
    expect(player.replay).not.toHaveBeenCalled();

    await press(screen.getByTestId('view-once-close'));
    expect(screen.queryByTestId('view-once-viewer')).toBeNull();
    expect(screen.getByTestId(`view-once-state-${clip.id}`)).toHaveTextContent('Opened');
    expect(screen.queryByTestId(`view-once-${clip.id}`)).toBeNull();
    expect(api.openViewOnce).toHaveBeenCalledTimes(1);
    expect(videoPlayers).toHaveLength(1);
  });

  it('ends a view-once voice note or video when the viewer is closed before the end', async () => {
    const c = makeConversation(ref(luna));
    const voice = makeMessage(c.id, luna.id, '', {
      kind: 'audio',
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a94',
    });
    const clip = makeMessage(c.id, luna.id, '', {
      kind: 'video',
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a93',
    });
    serveChat(c, [voice, clip]);
    api.openViewOnce.mockImplementation(async (id: string) => ({
      url: `https://media.example/${id}?sig=abc`,
      expires_at: '2026-12-01T00:00:00.000Z',
    }));

    renderApp(`/messages/${c.id}`);
    await press(await screen.findByTestId(`view-once-${voice.id}`));
    expect(audioPlayers[0]!.playing).toBe(true);
    await press(screen.getByTestId('view-once-close'));
    expect(screen.queryByTestId('view-once-viewer')).toBeNull();
    expect(screen.getByTestId(`view-once-state-${voice.id}`)).toHaveTextContent('Opened');

    const back = jest.spyOn(BackHandler, 'addEventListener');
    await press(screen.getByTestId(`view-once-${clip.id}`));
    expect(videoPlayers[0]!.playing).toBe(true);
    // Android back closes it too.
    const onBack = back.mock.calls.find(([event]) => event === 'hardwareBackPress')?.[1];
    expect(onBack).toBeDefined();
    await act(async () => {
      expect(onBack?.(undefined as never)).toBe(true);
    });
    back.mockRestore();
    expect(screen.queryByTestId('view-once-viewer')).toBeNull();
    expect(screen.getByTestId(`view-once-state-${clip.id}`)).toHaveTextContent('Opened');

    expect(api.openViewOnce).toHaveBeenCalledTimes(2);
    expect(audioPlayers).toHaveLength(1);
    expect(videoPlayers).toHaveLength(1);
    expect(api.mediaUrl).not.toHaveBeenCalled();
  });

  it.each([
    ['voice note', 'audio'],
    ['video', 'video'],
  ] as const)('says "already opened" for a view-once %s the server answers 410 for', async (_name, kind) => {
    const c = makeConversation(ref(luna));
    const once = makeMessage(c.id, luna.id, '', {
      kind,
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a92',
    });
    serveChat(c, [once]);
    api.openViewOnce.mockRejectedValue(apiError(410, 'already_opened'));
    renderApp(`/messages/${c.id}`);
    await press(await screen.findByTestId(`view-once-${once.id}`));
    expect(await screen.findByText('Already opened')).toBeOnTheScreen();
    expect(screen.getByTestId(`view-once-state-${once.id}`)).toHaveTextContent('Already opened');
    expect(screen.queryByTestId('view-once-viewer')).toBeNull();
    expect(screen.queryByTestId(`view-once-${once.id}`)).toBeNull();
    expect(audioPlayers).toHaveLength(0);
    expect(videoPlayers).toHaveLength(0);
    expect(api.openViewOnce).toHaveBeenCalledTimes(1);
  });

  it('does not offer to open a view-once message of a kind the viewer cannot show', async () => {
    const c = makeConversation(ref(luna));
    const odd = makeMessage(c.id, luna.id, '', { view_once: true });
    serveChat(c, [odd]);
    renderApp(`/messages/${c.id}`);
    expect(
      await screen.findByText("This media can't be shown in this version of the app."),
    ).toBeOnTheScreen();
    expect(screen.queryByTestId(`view-once-${odd.id}`)).toBeNull();
    expect(api.openViewOnce).not.toHaveBeenCalled();
  });

  it('says "already opened" when the server answers 410', async () => {
    const c = makeConversation(ref(luna));
    const photo = makeMessage(c.id, luna.id, '', {
      kind: 'image',
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a97',
    });
    serveChat(c, [photo]);
    api.openViewOnce.mockRejectedValue(apiError(410, 'already_opened'));
    renderApp(`/messages/${c.id}`);
    await press(await screen.findByTestId(`view-once-${photo.id}`));
    expect(await screen.findByText('Already opened')).toBeOnTheScreen();
    expect(screen.queryByTestId('view-once-viewer')).toBeNull();
    expect(screen.queryByTestId(`view-once-${photo.id}`)).toBeNull();
    expect(api.openViewOnce).toHaveBeenCalledTimes(1);
  });

  it('shows a banner only for a screenshot of this chat, and reports our own', async () => {
    const c = makeConversation(ref(luna));
    const other = makeConversation(ref(kai));
    serveChat(c, [makeMessage(c.id, luna.id, 'Secret plans')]);
    renderApp(`/messages/${c.id}`);
    expect(await screen.findByText('Secret plans')).toBeOnTheScreen();
    expect(screen.getByTestId('screenshot-notice')).toHaveTextContent(
      'Screenshots of this chat are reported to the other person.',
    );
    const socket = await openSocket();
    const notification = (
      actor: typeof luna,
      where: { post_id?: string | null; conversation_id?: string | null },
    ) => ({
      type: 'notification',
      notification: {
        id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a31',
        kind: 'screenshot',
        actor: ref(actor),
        post_id: where.post_id ?? null,
        conversation_id: where.conversation_id ?? null,
        created_at: '2026-11-24T10:00:00.000Z',
        read_at: null,
      },
    });

    // Luna's screenshot of a profile (no post, no conversation) or of a post is not about this chat,
    // and neither is a screenshot taken in another conversation.
    await act(async () => socket.receive(notification(luna, {})));
    await act(async () =>
      socket.receive(notification(luna, { post_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a32' })),
    );
    await act(async () => socket.receive(notification(kai, { conversation_id: other.id })));
    expect(screen.queryByTestId('chat-screenshot-banner')).toBeNull();

    await act(async () => socket.receive(notification(luna, { conversation_id: c.id })));
    expect(screen.getByTestId('chat-screenshot-banner')).toHaveTextContent(/^@demo\.luna took a screenshot/);
    await press(screen.getByText('Dismiss'));
    expect(screen.queryByTestId('chat-screenshot-banner')).toBeNull();

    takeScreenshot();
    expect(api.reportScreenshot).toHaveBeenCalledTimes(1);
    expect(api.reportScreenshot).toHaveBeenCalledWith({ context: 'chat', target_id: c.id });
  });

  it('removes deleted messages from the chat, and a page read before the deletion does not bring them back', async () => {
    const c = makeConversation(ref(luna), { timer: '30s_after_read' });
    const kept = makeMessage(c.id, luna.id, 'Still here');
    const expired = makeMessage(c.id, luna.id, 'Expired one');
    const opened = makeMessage(c.id, luna.id, '', {
      kind: 'image',
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a95',
    });
    const mine = makeMessage(c.id, myId, 'My last word');
    serveChat(c, [kept, expired, opened, mine]);
    renderApp(`/messages/${c.id}`);
    expect(await screen.findByText('Expired one')).toBeOnTheScreen();
    expect(screen.getByTestId(`view-once-${opened.id}`)).toBeOnTheScreen();
    const socket = await openSocket();

    await act(async () =>
      socket.receive({ type: 'deleted', conversation_id: c.id, message_ids: [expired.id, opened.id] }),
    );
    await waitFor(() => expect(screen.queryByText('Expired one')).toBeNull());
    expect(screen.queryByTestId(`message-${opened.id}`)).toBeNull();
    expect(screen.getByText('Still here')).toBeOnTheScreen();

    // Luna reads (the after-read timer makes the chat read its window again) and the answer comes from
    // a replica that has not seen the deletion yet: the deleted messages stay gone.
    const calls = api.messages.mock.calls.length;
    await act(async () =>
      socket.receive({
        type: 'read',
        read: { conversation_id: c.id, profile_id: luna.id, last_read_at: new Date().toISOString() },
      }),
    );
    await waitFor(() => expect(api.messages.mock.calls.length).toBeGreaterThan(calls));
    await waitFor(() => expect(screen.getByTestId('seen-marker')).toBeOnTheScreen());
    expect(screen.queryByText('Expired one')).toBeNull();
    expect(screen.queryByTestId(`message-${opened.id}`)).toBeNull();
    expect(screen.getByText('My last word')).toBeOnTheScreen();
  });

  it("clears a deleted message from the conversation list's preview and reads the list again", async () => {
    const c = makeConversation(ref(luna));
    const kept = makeMessage(c.id, luna.id, 'Still here');
    const opened = makeMessage(c.id, luna.id, '', {
      kind: 'image',
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a93',
    });
    let lists = { conversations: [{ ...c, last_message: opened }], requests: [] as Conversation[] };
    api.me.mockResolvedValue(me);
    api.conversations.mockImplementation(async () => lists);
    renderApp('/messages');
    expect(await screen.findByTestId(`preview-${c.id}`)).toHaveTextContent('⏱ View once');
    const socket = await openSocket();
    const calls = api.conversations.mock.calls.length;

    lists = { conversations: [{ ...c, last_message: kept }], requests: [] };
    await act(async () =>
      socket.receive({ type: 'deleted', conversation_id: c.id, message_ids: [opened.id] }),
    );
    await waitFor(() => expect(screen.getByTestId(`preview-${c.id}`)).toHaveTextContent('Still here'));
    expect(api.conversations.mock.calls.length).toBeGreaterThan(calls);
  });

  it('ignores deletions of another conversation', async () => {
    const c = makeConversation(ref(luna));
    const hello = makeMessage(c.id, luna.id, 'Hello');
    serveChat(c, [hello]);
    renderApp(`/messages/${c.id}`);
    expect(await screen.findByText('Hello')).toBeOnTheScreen();
    const socket = await openSocket();
    await act(async () =>
      socket.receive({
        type: 'deleted',
        conversation_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a94',
        message_ids: [hello.id],
      }),
    );
    await act(async () => {
      jest.advanceTimersByTime(100);
    });
    expect(screen.getByText('Hello')).toBeOnTheScreen();
  });
});

describe('paid and media messages', () => {
  let keySeq = 0;
  beforeEach(() => {
    // Distinct keys per generated UUID, so reuse vs. a fresh key is observable.
    (randomUUID as jest.Mock).mockImplementation(() => {
      keySeq += 1;
      return `00000000-0000-4000-a000-${String(keySeq).padStart(12, '0')}`;
    });
  });

  it('unlocks a paid message and shows its body once paid', async () => {
    const c = makeConversation(ref(luna));
    const paid = makeMessage(c.id, luna.id, '', { locked: true, price_coins: 20 });
    const after = makeMessage(c.id, luna.id, 'Enjoy!');
    serveChat(c, [paid, after]);
    const unlocked = { ...paid, locked: false, body: 'The secret recipe' };
    api.unlockMessage.mockImplementation(async () => {
      // From now on the server answers the message unlocked.
      serveChat(c, [unlocked, after]);
      api.messages.mockImplementation(async (_id, q) =>
        q?.before === after.cursor
          ? { items: [unlocked], next_cursor: null }
          : { items: [after, unlocked], next_cursor: null },
      );
      return { transaction_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a70', replayed: false, balance: 80 };
    });

    renderApp(`/messages/${c.id}`);
    expect(await screen.findByTestId(`locked-${paid.id}`)).toHaveTextContent('🔒 Paid message · 20 coins');
    await press(screen.getByRole('button', { name: 'Unlock for 20 coins' }));
    expect(api.unlockMessage).toHaveBeenCalledWith(
      paid.id,
      expect.stringMatching(/^00000000-0000-4000-a000-/),
    );
    expect(await screen.findByText('The secret recipe')).toBeOnTheScreen();
    // Read on its own: the message right before its successor.
    expect(api.messages).toHaveBeenCalledWith(c.id, { before: after.cursor, limit: 1 });
    expect(screen.queryByTestId(`unlock-message-${paid.id}`)).toBeNull();
    expect(screen.getByText('Paid message · 20 coins')).toBeOnTheScreen();
  });

  it('offers coins on 402, tells a wallet in debt apart and retries with the same key', async () => {
    const c = makeConversation(ref(luna));
    const paid = makeMessage(c.id, luna.id, '', {
      kind: 'image',
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a71',
      locked: true,
      price_coins: 50,
    });
    serveChat(c, [paid]);
    api.unlockMessage
      .mockRejectedValueOnce(apiError(402, 'insufficient_funds', 'not enough coins'))
      .mockRejectedValueOnce(apiError(402, 'wallet_in_debt', 'wallet in debt'));

    renderApp(`/messages/${c.id}`);
    await press(await screen.findByTestId(`unlock-message-${paid.id}`));
    expect(await screen.findByText("You don't have enough coins.")).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Buy coins' })).toBeOnTheScreen();
    // Nothing of the media is fetched while it is locked.
    expect(api.mediaUrl).not.toHaveBeenCalled();

    await press(screen.getByTestId(`unlock-message-${paid.id}`));
    expect(await screen.findByText('Your wallet is in debt; buy coins before spending.')).toBeOnTheScreen();
    const [first, second] = api.unlockMessage.mock.calls;
    expect(second?.[1]).toBe(first?.[1]);

    // Paid at last: the newest message comes back with the newest page, photo and all.
    serveChat(c, [{ ...paid, locked: false }]);
    await press(screen.getByTestId(`unlock-message-${paid.id}`));
    expect(api.unlockMessage.mock.calls[2]?.[1]).toBe(first?.[1]);
    const image = await screen.findByTestId(`message-image-${paid.id}`);
    expect(api.mediaUrl).toHaveBeenCalledWith(paid.media_id);
    expect(image.props.source).toEqual({ uri: `https://media.example/${paid.media_id}.jpg?sig=test` });
    expect(screen.queryByTestId('insufficient-funds')).toBeNull();
  });

  it('shows ordinary photos inline and fetches a fresh URL when one expired; audio and video wait for play', async () => {
    const c = makeConversation(ref(luna));
    const photo = makeMessage(c.id, luna.id, 'Sunset', {
      kind: 'image',
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a72',
    });
    const once = makeMessage(c.id, luna.id, '', {
      kind: 'image',
      view_once: true,
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a73',
    });
    const voice = makeMessage(c.id, luna.id, '', {
      kind: 'audio',
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a74',
    });
    const clip = makeMessage(c.id, myId, 'Look', {
      kind: 'video',
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a75',
    });
    serveChat(c, [photo, once, voice, clip]);
    let n = 0;
    api.mediaUrl.mockImplementation(async (id: string) => {
      n += 1;
      return {
        url: `https://media.example/${id}.jpg?v=${n}`,
        expires_at: new Date(Date.now() + 600_000).toISOString(),
      };
    });

    renderApp(`/messages/${c.id}`);
    const image = await screen.findByTestId(`message-image-${photo.id}`);
    expect(image.props.source).toEqual({ uri: `https://media.example/${photo.media_id}.jpg?v=1` });
    expect(within(screen.getByTestId(`message-${photo.id}`)).getByText('Sunset')).toBeOnTheScreen();
    // The view-once photo is never fetched for the bubble; it still waits for its one open.
    expect(api.mediaUrl).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId(`view-once-${once.id}`)).toBeOnTheScreen();
    expect(within(screen.getByTestId(`message-${voice.id}`)).getByText('Voice message')).toBeOnTheScreen();
    expect(within(screen.getByTestId(`message-${clip.id}`)).getByText('Video')).toBeOnTheScreen();
    expect(within(screen.getByTestId(`message-${clip.id}`)).getByText('Look')).toBeOnTheScreen();

    // The signed URL ran out: one fresh URL, not a loop.
    await fire(image, 'error', { nativeEvent: { error: 'HTTP 403' } });
    await waitFor(() =>
      expect(screen.getByTestId(`message-image-${photo.id}`).props.source).toEqual({
        uri: `https://media.example/${photo.media_id}.jpg?v=2`,
      }),
    );
    expect(api.mediaUrl).toHaveBeenCalledTimes(2);
  });

  it('plays voice and video messages in place, fetching their URL only on play', async () => {
    const c = makeConversation(ref(luna));
    const voice = makeMessage(c.id, luna.id, '', {
      kind: 'audio',
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a77',
    });
    const clip = makeMessage(c.id, luna.id, 'Watch this', {
      kind: 'video',
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a78',
    });
    serveChat(c, [voice, clip]);
    renderApp(`/messages/${c.id}`);
    await press(await screen.findByRole('button', { name: 'Play the voice message' }));
    expect(api.mediaUrl).toHaveBeenCalledTimes(1);
    expect(api.mediaUrl).toHaveBeenCalledWith(voice.media_id);
    const toggle = await screen.findByTestId(`audio-toggle-${voice.id}`);
    const player = audioPlayers[0]!;
    expect(player.source).toBe(`https://media.example/${voice.media_id}.jpg?sig=test`);
    expect(player.play).toHaveBeenCalledTimes(1);
    expect(toggle).toHaveAccessibleName('Pause the voice message');
    expect(screen.getByTestId(`audio-time-${voice.id}`)).toHaveTextContent('0:00 / 0:12');

    await press(toggle);
    expect(player.pause).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId(`audio-toggle-${voice.id}`)).toHaveAccessibleName('Play the voice message');
    // Played to the end: pressing again starts over.
    await act(async () => player.finish());
    await press(screen.getByTestId(`audio-toggle-${voice.id}`));
    expect(player.seekTo).toHaveBeenCalledWith(0);
    expect(player.play).toHaveBeenCalledTimes(2);

    await press(screen.getByRole('button', { name: 'Play the video' }));
    const view = await screen.findByTestId(`message-video-${clip.id}`);
    const video = videoPlayers[0]!;
    expect(video.source).toBe(`https://media.example/${clip.media_id}.jpg?sig=test`);
    expect(video.play).toHaveBeenCalled();
    expect(view.props.player).toBe(video);
    // Fullscreen and picture-in-picture would leave the capture-guarded window.
    expect(view.props.fullscreenOptions).toEqual({ enable: false });
    expect(view.props.allowsPictureInPicture).toBe(false);
    expect(within(screen.getByTestId(`message-${clip.id}`)).getByText('Watch this')).toBeOnTheScreen();
  });

  it('says when a photo cannot be loaded and lets the user try again', async () => {
    const c = makeConversation(ref(luna));
    const photo = makeMessage(c.id, luna.id, '', {
      kind: 'image',
      media_id: '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a76',
    });
    serveChat(c, [photo]);
    api.mediaUrl.mockRejectedValueOnce(apiError(404, 'not_found'));
    renderApp(`/messages/${c.id}`);
    await press(await screen.findByTestId(`message-image-failed-${photo.id}`));
    expect(await screen.findByTestId(`message-image-${photo.id}`)).toBeOnTheScreen();
  });
});

describe('starting a conversation', () => {
  it('opens the chat from a profile', async () => {
    const c = makeConversation(ref(luna));
    serveChat(c, []);
    api.profile.mockResolvedValue(luna);
    api.startConversation.mockResolvedValue(c);
    const app = renderApp('/creator/demo.luna');
    await press(await screen.findByTestId('message-button'));
    expect(api.startConversation).toHaveBeenCalledWith(luna.id);
    await waitFor(() => expect(app.getPathname()).toBe(`/messages/${c.id}`));
    expect(await screen.findByTestId('chat-input')).toBeOnTheScreen();
  });

  it('says why a conversation could not be started', async () => {
    api.me.mockResolvedValue(me);
    api.profile.mockResolvedValue(luna);
    api.startConversation.mockRejectedValue(apiError(403, 'forbidden', 'profiles of another kind'));
    renderApp('/creator/demo.luna');
    await press(await screen.findByTestId('message-button'));
    expect(await screen.findByText('Could not open the chat: profiles of another kind')).toBeOnTheScreen();
  });
});

describe('persona on the messaging and privacy screens', () => {
  it.each([
    ['/messages', 'messages-persona', 'Conversations of your SHADOW persona'],
    ['/privacy/blocked', 'blocked-persona', 'Accounts your SHADOW persona blocked.'],
  ])('%s names the shadow persona', async (url, testID, text) => {
    api.me.mockResolvedValue(makeMe('shadow'));
    renderApp(url, 'shadow');
    expect(await screen.findByTestId(testID)).toHaveTextContent(new RegExp(text));
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/SHADOW/);
  });

  it('shows the badge on a chat and the contacts screen', async () => {
    const shadowMe = makeMe('shadow');
    const c = makeConversation(ref(luna), { kind: 'shadow' });
    serveChat(c, [makeMessage(c.id, luna.id, 'Shadow hello')]);
    api.me.mockResolvedValue(shadowMe);
    const chat = renderApp(`/messages/${c.id}`, 'shadow');
    expect(await screen.findByText('Shadow hello')).toBeOnTheScreen();
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/SHADOW/);
    chat.unmount();

    api.me.mockResolvedValue(me);
    renderApp('/privacy/contacts', 'real');
    expect(await screen.findByTestId('contacts-state')).toBeOnTheScreen();
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/REAL/);
  });
});
