import { z } from 'zod';
import { DomainError } from '../errors.ts';

const EmailSchema = z.email();

/** Lower-cased, trimmed email; throws a validation error naming the field. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EmailSchema.safeParse(email).success) {
    throw new DomainError('validation', 'validation_failed', 'email must be a valid email address', {
      fields: [{ path: 'email', message: 'invalid email' }],
    });
  }
  return email;
}

/**
 * Phone numbers as GoTrue stores them: E.164 digits without the leading '+'. Accepts spaces, dashes and
 * parentheses in input.
 */
export function normalizePhone(raw: string): string {
  const digits = raw
    .trim()
    .replace(/[\s\-().]/g, '')
    .replace(/^\+/, '');
  if (!/^[1-9]\d{7,14}$/.test(digits)) {
    throw new DomainError(
      'validation',
      'validation_failed',
      'phone must be an international number like +905551234567',
      {
        fields: [{ path: 'phone', message: 'invalid phone number' }],
      },
    );
  }
  return digits;
}

export type Identifier = { channel: 'email'; email: string } | { channel: 'sms'; phone: string };

export function identifierKey(id: Identifier): string {
  return id.channel === 'email' ? `email:${id.email}` : `phone:${id.phone}`;
}

/** Address a code is delivered to (E.164 with '+' for SMS). */
export function deliveryAddress(id: Identifier): string {
  return id.channel === 'email' ? id.email : `+${id.phone}`;
}
