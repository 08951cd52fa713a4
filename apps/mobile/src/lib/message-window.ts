import type { Message } from '@ipelya/contracts';

/**
 * The loaded part of one conversation, oldest first. `older` is the cursor for scrolling back (null once
 * the beginning is loaded). `opened` remembers view-once messages this device opened (or found already
 * opened): the server keeps them until its purge runs, and they must not offer a second open meanwhile.
 * `gone` lists messages the server said are deleted, so a page fetched just before the deletion cannot
 * bring them back.
 */
export type MessageWindow = {
  items: Message[];
  older: string | null;
  opened: Record<string, 'opened' | 'already'>;
  gone: readonly string[];
};

export const emptyWindow: MessageWindow = { items: [], older: null, opened: {}, gone: [] };

// Tombstones only need to outlive a request in flight; a long chat session must not grow them forever.
const MAX_GONE = 1000;

function withoutGone(messages: readonly Message[], gone: readonly string[]): Message[] {
  if (gone.length === 0) return [...messages];
  const drop = new Set(gone);
  return messages.filter((m) => !drop.has(m.id));
}

function compare(a: Message, b: Message): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Adds or replaces messages by id, keeping the order. */
export function upsertMessages(window: MessageWindow, messages: readonly Message[]): MessageWindow {
  const incoming = withoutGone(messages, window.gone);
  if (incoming.length === 0) return window;
  const byId = new Map(window.items.map((m) => [m.id, m]));
  for (const m of incoming) byId.set(m.id, m);
  return { ...window, items: [...byId.values()].sort(compare) };
}

/** Drops deleted messages and remembers them, so no later merge shows them again. */
export function removeMessages(window: MessageWindow, ids: readonly string[]): MessageWindow {
  if (ids.length === 0) return window;
  const drop = new Set(ids);
  const items = window.items.filter((m) => !drop.has(m.id));
  const opened = Object.fromEntries(Object.entries(window.opened).filter(([id]) => !drop.has(id)));
  const gone = [...new Set([...window.gone, ...ids])].slice(-MAX_GONE);
  return { ...window, items, opened, gone };
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
  const sorted = [...page.items].sort(compare);
  const oldest = sorted[0];
  const base = previous ?? emptyWindow;
  const fresh = withoutGone(sorted, base.gone);
  if (!oldest || page.next_cursor === null) {
    // The page reaches the beginning of the conversation: nothing outside it exists any more.
    return { items: fresh, older: null, opened: base.opened, gone: base.gone };
  }
  const kept = base.items.filter((m) => compare(m, oldest) < 0);
  return {
    items: [...kept, ...fresh],
    older: kept.length > 0 ? base.older : page.next_cursor,
    opened: base.opened,
    gone: base.gone,
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
