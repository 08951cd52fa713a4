import type { Conversation, Me, Message } from '@ipelya/contracts';
import { screen, waitFor, within } from 'expo-router/testing-library';
import { composeMessage } from '../src/lib/paid-message';
import { fire, press } from './support/actions';
import { api, apiError, makeConversation, makeCreator, makeMe, makeMessage } from './support/fake-api';
import { renderApp } from './support/render-app';

const fan = makeMe('real');
const luna = makeCreator('demo.luna', { display_name: 'Luna' });
const ref = (p: typeof luna) => ({ id: p.id, handle: p.handle, display_name: p.display_name });

function creatorMe(): Me {
  const me = makeMe('real');
  return { ...me, active_profile: { ...me.active_profile, is_creator: true } };
}

function serveChat(me: Me, conversation: Conversation, latest: Message[] = []) {
  api.me.mockResolvedValue(me);
  api.conversation.mockResolvedValue(conversation);
  api.messages.mockResolvedValue({ items: [...latest].reverse(), next_cursor: null });
}

// The first render of a file warms up the whole app, slow on a loaded machine.
jest.setTimeout(30_000);

describe('paid messages in the composer', () => {
  it('lets a creator set a price; the API receives price_coins and the sender sees a paid message', async () => {
    const me = creatorMe();
    const c = makeConversation(ref(luna));
    serveChat(me, c);
    api.sendMessage.mockImplementation(async (id, input) =>
      makeMessage(id, me.active_profile.id, input.body ?? '', { price_coins: input.price_coins ?? null }),
    );

    renderApp(`/messages/${c.id}`);
    const toggle = await screen.findByTestId('chat-price-toggle');
    expect(screen.queryByTestId('chat-price-input')).toBeNull();
    await press(toggle);
    expect(screen.getByTestId('chat-price-toggle').props.accessibilityState).toMatchObject({ checked: true });
    await fire(screen.getByTestId('chat-price-input'), 'changeText', '250');
    expect(screen.getByTestId('chat-price-notice')).toHaveTextContent(
      '🔒 Your next message is paid: 250 coins. The recipient pays to read it.',
    );
    expect(screen.getByTestId('chat-send')).toHaveTextContent('Send paid');
    await fire(screen.getByTestId('chat-input'), 'changeText', 'Behind the scenes');
    await press(screen.getByTestId('chat-send'));

    expect(api.sendMessage).toHaveBeenCalledTimes(1);
    expect(api.sendMessage).toHaveBeenCalledWith(c.id, { body: 'Behind the scenes', price_coins: 250 });
    const sent = (await api.sendMessage.mock.results[0]!.value) as Message;
    const bubble = await screen.findByTestId(`message-${sent.id}`);
    expect(within(bubble).getByText('Behind the scenes')).toBeOnTheScreen();
    expect(within(bubble).getByText('Paid message · 250 coins')).toBeOnTheScreen();
    // The price was for that one message: the next one is free unless a price is set again.
    expect(screen.queryByTestId('chat-price-input')).toBeNull();
    expect(screen.getByTestId('chat-send')).toHaveTextContent('Send');
    await fire(screen.getByTestId('chat-input'), 'changeText', 'And a free one');
    await press(screen.getByTestId('chat-send'));
    expect(api.sendMessage).toHaveBeenLastCalledWith(c.id, { body: 'And a free one' });
  });

  it('does not offer a price to a fan', async () => {
    const c = makeConversation(ref(luna));
    serveChat(fan, c, [makeMessage(c.id, luna.id, 'Hi fan')]);
    api.sendMessage.mockImplementation(async (id, input) =>
      makeMessage(id, fan.active_profile.id, input.body ?? ''),
    );

    renderApp(`/messages/${c.id}`);
    expect(await screen.findByText('Hi fan')).toBeOnTheScreen();
    expect(screen.getByTestId('chat-input')).toBeOnTheScreen();
    expect(screen.queryByTestId('chat-price-toggle')).toBeNull();
    expect(screen.queryByTestId('chat-price-input')).toBeNull();
    await fire(screen.getByTestId('chat-input'), 'changeText', 'Hello');
    await press(screen.getByTestId('chat-send'));
    expect(api.sendMessage).toHaveBeenCalledWith(c.id, { body: 'Hello' });
  });

  it('refuses an invalid price before sending and keeps what was typed', async () => {
    const me = creatorMe();
    const c = makeConversation(ref(luna));
    serveChat(me, c);

    renderApp(`/messages/${c.id}`);
    await press(await screen.findByTestId('chat-price-toggle'));
    await fire(screen.getByTestId('chat-input'), 'changeText', 'Exclusive');
    expect(screen.getByTestId('chat-price-notice')).toHaveTextContent(
      'Enter a price of 1 to 1,000,000 coins.',
    );

    await press(screen.getByTestId('chat-send'));
    expect(screen.getByTestId('chat-price-error')).toHaveTextContent(
      'Enter a price first, or turn the price off.',
    );
    for (const [typed, message] of [
      ['0', 'The price must be between 1 and 1,000,000 coins.'],
      ['1000001', 'The price must be between 1 and 1,000,000 coins.'],
      ['12.5', 'The price must be a whole number of coins.'],
      ['-3', 'The price must be a whole number of coins.'],
    ] as const) {
      await fire(screen.getByTestId('chat-price-input'), 'changeText', typed);
      expect(screen.queryByTestId('chat-price-error')).toBeNull();
      await press(screen.getByTestId('chat-send'));
      expect(screen.getByTestId('chat-price-error')).toHaveTextContent(message);
    }
    expect(api.sendMessage).not.toHaveBeenCalled();
    expect(screen.getByTestId('chat-input').props.value).toBe('Exclusive');

    // The upper bound itself is accepted.
    api.sendMessage.mockImplementation(async (id, input) =>
      makeMessage(id, me.active_profile.id, input.body ?? '', { price_coins: input.price_coins ?? null }),
    );
    await fire(screen.getByTestId('chat-price-input'), 'changeText', '1000000');
    await press(screen.getByTestId('chat-send'));
    expect(api.sendMessage).toHaveBeenCalledWith(c.id, { body: 'Exclusive', price_coins: 1_000_000 });
  });

  it("shows the API's refusal in the composer and loses neither the text nor the price", async () => {
    const me = creatorMe();
    const c = makeConversation(ref(luna));
    serveChat(me, c);
    api.sendMessage
      .mockRejectedValueOnce(
        apiError(400, 'validation_error', 'a message is either view-once or paid, not both'),
      )
      .mockRejectedValue(apiError(403, 'forbidden', 'only creators can send paid messages'));

    renderApp(`/messages/${c.id}`);
    await press(await screen.findByTestId('chat-price-toggle'));
    await fire(screen.getByTestId('chat-price-input'), 'changeText', '40');
    await fire(screen.getByTestId('chat-input'), 'changeText', 'Secret');
    await press(screen.getByTestId('chat-send'));
    expect(await screen.findByText(/Could not send: .*view-once or paid, not both/)).toBeOnTheScreen();
    await press(screen.getByTestId('chat-send'));
    await waitFor(() => expect(api.sendMessage).toHaveBeenCalledTimes(2));
    expect(api.sendMessage).toHaveBeenLastCalledWith(c.id, { body: 'Secret', price_coins: 40 });
    expect(
      await screen.findByText(/Could not send: .*only creators can send paid messages/),
    ).toBeOnTheScreen();
    expect(screen.getByTestId('chat-input').props.value).toBe('Secret');
    expect(screen.getByTestId('chat-price-input').props.value).toBe('40');

    // Turning the price off sends the message free.
    api.sendMessage.mockImplementation(async (id, input) =>
      makeMessage(id, me.active_profile.id, input.body ?? ''),
    );
    await press(screen.getByTestId('chat-price-toggle'));
    expect(screen.queryByTestId('chat-price-input')).toBeNull();
    await press(screen.getByTestId('chat-send'));
    expect(api.sendMessage).toHaveBeenLastCalledWith(c.id, { body: 'Secret' });
  });
});

describe('composeMessage', () => {
  it('never combines view-once and a price, and sends only what the schema accepts', () => {
    expect(composeMessage({ body: 'x', price: '10', viewOnce: true })).toEqual({
      ok: false,
      problem: 'viewOnce',
    });
    const mediaId = '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a99';
    expect(composeMessage({ body: '', price: '10', mediaId, viewOnce: true })).toEqual({
      ok: false,
      problem: 'viewOnce',
    });
    expect(composeMessage({ body: '', price: null, mediaId, viewOnce: true })).toEqual({
      ok: true,
      input: { body: '', media_id: mediaId, view_once: true },
    });
    expect(composeMessage({ body: 'x', price: ' 10 ' })).toEqual({
      ok: true,
      input: { body: 'x', price_coins: 10 },
    });
    expect(composeMessage({ body: 'x', price: '1e3' })).toEqual({ ok: false, problem: 'notWhole' });
    // A paid message still needs something to sell.
    expect(composeMessage({ body: '', price: '5' })).toEqual({ ok: false, problem: 'invalid' });
  });
});
