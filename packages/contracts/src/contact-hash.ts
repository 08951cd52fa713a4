import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Contact hashing for the social firewall, shared by the app (address book) and the server (a user's own
 * verified phone and email), so both sides hash exactly the same normalised value. The app uploads only
 * these keyed hashes; the server keys them once more with a secret before storing them.
 */

export type ContactKind = 'phone' | 'email';
export type ContactHash = { kind: ContactKind; hash: string };

/** E.164 (+905551234567), or null when the number is not a valid phone number. */
export function normalizePhone(raw: string, defaultCountry?: CountryCode): string | null {
  const trimmed = raw.trim();
  if (!trimmed) return null;
  // Supabase Auth stores phones as digits without the plus; a leading 00 is the international prefix.
  const candidate =
    /^\d{11,15}$/.test(trimmed) && !defaultCountry ? `+${trimmed}` : trimmed.replace(/^00/, '+');
  const parsed = parsePhoneNumberFromString(candidate, defaultCountry);
  return parsed?.isValid() ? parsed.number : null;
}

/** Lower-cased, trimmed address, or null when it is not an email address. */
export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 ? email : null;
}

/** hex(HMAC-SHA256(key, "kind:normalised")). */
export function contactHash(key: string, kind: ContactKind, normalised: string): string {
  return bytesToHex(hmac(sha256, utf8ToBytes(key), utf8ToBytes(`${kind}:${normalised}`)));
}

/** Hashes an address book: invalid entries are dropped, duplicates collapse. */
export function hashContacts(
  key: string,
  book: { phones?: readonly string[]; emails?: readonly string[] },
  defaultCountry?: CountryCode,
): ContactHash[] {
  const seen = new Map<string, ContactHash>();
  for (const raw of book.phones ?? []) {
    const phone = normalizePhone(raw, defaultCountry);
    if (phone) seen.set(`phone:${phone}`, { kind: 'phone', hash: contactHash(key, 'phone', phone) });
  }
  for (const raw of book.emails ?? []) {
    const email = normalizeEmail(raw);
    if (email) seen.set(`email:${email}`, { kind: 'email', hash: contactHash(key, 'email', email) });
  }
  return [...seen.values()];
}
