import { describe, expect, it } from 'vitest';
import { authErrorMessage, isSixDigitCode, normalizePhone } from './auth-errors.ts';

describe('authErrorMessage', () => {
  it('reports network failures', () => {
    expect(authErrorMessage({ name: 'AuthRetryableFetchError', status: 0 }, 'send', 'email')).toBe(
      'signIn.error.network',
    );
    expect(authErrorMessage(new TypeError('Failed to fetch'), 'verify', 'email')).toBe(
      'signIn.error.network',
    );
  });
  it('reports rate limits', () => {
    expect(authErrorMessage({ status: 429, code: 'over_email_send_rate_limit' }, 'send', 'email')).toBe(
      'signIn.error.rateLimited',
    );
  });
  it('reports a wrong or expired code on verify', () => {
    expect(authErrorMessage({ status: 403, code: 'otp_expired' }, 'verify', 'email')).toBe(
      'signIn.error.wrongCode',
    );
    expect(authErrorMessage({ status: 400 }, 'verify', 'phone')).toBe('signIn.error.wrongCode');
  });
  it('reports an invalid address on send, per channel', () => {
    expect(authErrorMessage({ status: 400, code: 'email_address_invalid' }, 'send', 'email')).toBe(
      'signIn.error.invalidEmail',
    );
    expect(authErrorMessage({ status: 422, code: 'validation_failed' }, 'send', 'phone')).toBe(
      'signIn.error.invalidPhone',
    );
  });
  it('reports server failures (which supabase-js marks as retryable) apart from network ones', () => {
    expect(authErrorMessage({ name: 'AuthRetryableFetchError', status: 500 }, 'verify', 'email')).toBe(
      'signIn.error.server',
    );
    expect(authErrorMessage({ name: 'AuthRetryableFetchError', status: 503 }, 'send', 'phone')).toBe(
      'signIn.error.server',
    );
  });
  it('falls back to a generic message', () => {
    expect(authErrorMessage({ status: 418 }, 'send', 'email')).toBe('signIn.error.generic');
    expect(authErrorMessage(null, 'verify', 'email')).toBe('signIn.error.generic');
  });
});

describe('input checks', () => {
  it('normalizes phone numbers to E.164', () => {
    expect(normalizePhone('+90 (555) 123-45-67')).toBe('+905551234567');
    expect(normalizePhone('05551234567')).toBeNull();
    expect(normalizePhone('+0123456789')).toBeNull();
  });
  it('accepts exactly six digits as a code', () => {
    expect(isSixDigitCode('123456')).toBe(true);
    expect(isSixDigitCode('12345')).toBe(false);
    expect(isSixDigitCode('12345a')).toBe(false);
  });
});
