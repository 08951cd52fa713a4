import { type SendMessageInput, SendMessageSchema } from '@ipelya/contracts';

/** The bounds the API accepts for a paid message (SendMessageSchema.price_coins). */
export const MIN_MESSAGE_PRICE = 1;
export const MAX_MESSAGE_PRICE = 1_000_000;

export type PriceProblem = 'empty' | 'notWhole' | 'range' | 'viewOnce' | 'invalid';

/** A price as the creator typed it: a whole number of coins within the API's bounds. */
export function parsePrice(
  typed: string,
): { ok: true; coins: number } | { ok: false; problem: PriceProblem } {
  const text = typed.trim();
  if (!text) return { ok: false, problem: 'empty' };
  // Digits only: "1e3", "12.5" or "-4" are not a number of coins a creator meant to type.
  if (!/^\d+$/.test(text)) return { ok: false, problem: 'notWhole' };
  const coins = Number(text);
  if (coins < MIN_MESSAGE_PRICE || coins > MAX_MESSAGE_PRICE) return { ok: false, problem: 'range' };
  return { ok: true, coins };
}

/**
 * What the composer sends. A price is refused here, before any request, when it is not a whole number
 * of coins within the API's bounds or comes with view-once (a message is one or the other).
 */
export function composeMessage(options: {
  body: string;
  /** The creator's price as typed; null when the message is not paid. */
  price: string | null;
  mediaId?: string;
  viewOnce?: boolean;
}): { ok: true; input: SendMessageInput } | { ok: false; problem: PriceProblem } {
  const input: SendMessageInput = { body: options.body };
  if (options.mediaId) input.media_id = options.mediaId;
  if (options.viewOnce) input.view_once = true;
  if (options.price !== null) {
    if (options.viewOnce) return { ok: false, problem: 'viewOnce' };
    const price = parsePrice(options.price);
    if (!price.ok) return price;
    input.price_coins = price.coins;
  }
  // The shared schema is the last word, so the app never sends what the API would refuse as malformed.
  if (!SendMessageSchema.safeParse(input).success) return { ok: false, problem: 'invalid' };
  return { ok: true, input };
}
