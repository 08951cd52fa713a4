import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contactHash, hashContacts, normalizeEmail, normalizePhone } from './contact-hash.ts';

describe('contact hashing', () => {
  it('normalises phone numbers to E.164 the way address books and Supabase Auth write them', () => {
    expect(normalizePhone('+90 555 123 45 67')).toBe('+905551234567');
    expect(normalizePhone('0555 123 45 67', 'TR')).toBe('+905551234567');
    expect(normalizePhone('0090 555 123 4567')).toBe('+905551234567');
    expect(normalizePhone('905551234567')).toBe('+905551234567'); // Supabase Auth: digits, no plus
    expect(normalizePhone('(415) 555-2671', 'US')).toBe('+14155552671');
    expect(normalizePhone('12')).toBeNull();
    expect(normalizePhone('call me')).toBeNull();
    expect(normalizePhone('')).toBeNull();
  });

  it('normalises emails by trimming and lower-casing', () => {
    expect(normalizeEmail('  Friend@Example.COM ')).toBe('friend@example.com');
    expect(normalizeEmail('no-at-sign')).toBeNull();
    expect(normalizeEmail('a@b')).toBeNull();
  });

  it('is HMAC-SHA256 of "kind:value" under the deployment key (same as node:crypto)', () => {
    const expected = createHmac('sha256', 'key').update('email:friend@example.com').digest('hex');
    expect(contactHash('key', 'email', 'friend@example.com')).toBe(expected);
    expect(contactHash('other', 'email', 'friend@example.com')).not.toBe(expected);
  });

  it('hashes an address book: invalid entries dropped, duplicates collapsed, no raw value out', () => {
    const out = hashContacts(
      'k',
      {
        phones: ['+90 555 123 45 67', '0555 123 45 67', 'x'],
        emails: ['A@b.co', 'a@b.co'],
      },
      'TR',
    );
    expect(out).toHaveLength(2);
    expect(JSON.stringify(out)).not.toMatch(/555|a@b/);
    expect(out.map((h) => h.kind).sort()).toEqual(['email', 'phone']);
  });
});
