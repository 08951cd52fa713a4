import type { Message } from '@ipelya/contracts';

/**
 * The loaded part of one conversation, oldest first. `older` is the cursor for scrolling back (null once
 * the beginning is loaded). `opened` remembers view-once messages this device opened (or found already
 * opened): the server keeps them until its purge runs, and they must not offer a second open meanwhile.
 */
export type MessageWindow = {
  items: Message[];
  older: string | null;
  opened: Record<string, 'opened' | 'already'>;
};

export const emptyWindow: MessageWindow = { items: [], older: null, opened: {} };

function compare(a: Message, b: Message): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Adds or replaces messages by id, keeping the order. */
export function upsertMessages(window: MessageWindow, messages: readonly Message[]): MessageWindow {
  if (messages.length === 0) return window;
  const byId = new Map(window.items.map((m) => [m.id, m]));
  for (const m of messages) byId.set(m.id, m);
  return { ...window, items: [...byId.values()].sort(compare) };
}

export function removeMessages(window: MessageWindow, ids: readonly string[]): MessageWindow {
  const drop = new Set(ids);
  const items = window.items.filter((m) => !drop.has(m.id));
  return items.length === window.items.length ? window : { ...window, items };
}

/**
 * Merges the newest page (newest first, as `GET …/messages` answers without a cursor). Within the time
 * range the page covers the server is the truth, so a message missing from it was deleted (expired,
 * opened, purged) and goes; older loaded messages outside that range stay.
 */
export function mergeLatest(
  previous: MessageWindow | undefined,
  page: { items: readonly Message[]; next_cursor: string | null },
): MessageWindow {
  const fresh = [...page.items].sort(compare);
  const oldest = fresh[0];
  const base = previous ?? emptyWindow;
  if (!oldest || page.next_cursor === null) {
    // The page reaches the beginning of the conversation: nothing outside it exists any more.
    return { items: fresh, older: null, opened: base.opened };
  }
  const kept = base.items.filter((m) => compare(m, oldest) < 0);
  return {
    items: [...kept, ...fresh],
    older: kept.length > 0 ? base.older : page.next_cursor,
    opened: base.opened,
  };
}

/** Appends an older page (newest first, from `?before=`). */
export function mergeOlder(
  window: MessageWindow,
  page: { items: readonly Message[]; next_cursor: string | null },
): MessageWindow {
  return { ...upsertMessages(window, page.items), older: page.next_cursor };
}

export function newestCursor(window: MessageWindow | undefined): string | null {
  return window?.items[window.items.length - 1]?.cursor ?? null;
}

/** Messages still to show at `now`: the server hides expired ones, so the app does too without waiting. */
export function visibleMessages(window: MessageWindow | undefined, now: number): Message[] {
  return (window?.items ?? []).filter((m) => !m.expires_at || Date.parse(m.expires_at) > now);
}
