import {
  emptyWindow,
  mergeLatest,
  mergeOlder,
  removeMessages,
  upsertMessages,
  visibleMessages,
} from '../src/lib/message-window';
import { makeMessage } from './support/fake-api';

const conversation = '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a40';
const sender = '0b7e9f9c-5a1d-4c3e-9f1a-2d4b6c8e0a41';
const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 9, minute)).toISOString();
const msg = (minute: number, patch = {}) =>
  makeMessage(conversation, sender, `m${minute}`, { created_at: at(minute), ...patch });
const bodies = (items: { body: string }[]) => items.map((m) => m.body);

describe('message window', () => {
  const m1 = msg(1);
  const m2 = msg(2);
  const m3 = msg(3);
  const m4 = msg(4);

  it('drops what the newest page no longer has, but keeps older loaded pages', () => {
    let window = mergeLatest(undefined, { items: [m4, m3], next_cursor: m3.cursor });
    window = mergeOlder(window, { items: [m2, m1], next_cursor: null });
    expect(bodies(window.items)).toEqual(['m1', 'm2', 'm3', 'm4']);

    // m3 was purged on the server; the newest page now reaches down to m2, and m1 lies outside it.
    const m5 = msg(5);
    window = mergeLatest(window, { items: [m5, m4, m2], next_cursor: m2.cursor });
    expect(bodies(window.items)).toEqual(['m1', 'm2', 'm4', 'm5']);
    expect(window.older).toBeNull();
  });

  it('trusts a page that reaches the beginning completely', () => {
    const window = upsertMessages({ ...emptyWindow, items: [m1, m2] }, [m3]);
    expect(bodies(mergeLatest(window, { items: [m3], next_cursor: null }).items)).toEqual(['m3']);
    expect(mergeLatest(window, { items: [], next_cursor: null }).items).toEqual([]);
  });

  it('keeps order and replaces by id', () => {
    const window = upsertMessages(emptyWindow, [m3, m1, m2, { ...m1, body: 'edited' }]);
    expect(bodies(window.items)).toEqual(['edited', 'm2', 'm3']);
  });

  it('hides expired messages', () => {
    const window = upsertMessages(emptyWindow, [
      msg(1, { expires_at: at(10) }),
      msg(2, { expires_at: at(20) }),
      msg(3),
    ]);
    expect(bodies(visibleMessages(window, Date.parse(at(15))))).toEqual(['m2', 'm3']);
  });

  it('keeps deleted messages out of every later merge and forgets their opened state', () => {
    let window = mergeLatest(undefined, { items: [m4, m3, m2], next_cursor: m2.cursor });
    window = { ...window, opened: { [m3.id]: 'opened' } };
    window = removeMessages(window, [m3.id, m1.id]);
    expect(bodies(window.items)).toEqual(['m2', 'm4']);
    expect(window.opened).toEqual({});
    // Answers read before the deletion reached the server's replicas still carry them.
    window = mergeLatest(window, { items: [m4, m3, m2], next_cursor: m2.cursor });
    window = mergeOlder(window, { items: [m1], next_cursor: null });
    window = upsertMessages(window, [m3]);
    expect(bodies(window.items)).toEqual(['m2', 'm4']);
    expect(window.older).toBeNull();
  });
});
