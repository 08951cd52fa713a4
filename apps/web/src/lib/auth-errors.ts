import type { MessageKey } from '../i18n/messages.ts';

/** The fields of supabase-js' AuthError we rely on (kept structural so tests need no SDK objects). */
type AuthLikeError = { name?: string; status?: number; code?: string; message?: string };

const RATE_LIMIT_CODES = new Set([
  'over_email_send_rate_limit',
  'over_sms_send_rate_limit',
  'over_request_rate_limit',
]);
const WRONG_CODE_CODES = new Set(['otp_expired', 'otp_disabled', 'invalid_credentials', 'bad_jwt']);

/** Maps an auth failure to the message a person can act on. */
export function authErrorMessage(
  error: unknown,
  step: 'send' | 'verify',
  channel: 'email' | 'phone',
): MessageKey {
  const e = (error ?? {}) as AuthLikeError;
  // supabase-js reports both "no connection" (status 0) and 5xx as AuthRetryableFetchError.
  if (e.status !== undefined && e.status >= 500) return 'signIn.error.server';
  if (e.name === 'AuthRetryableFetchError' || e.status === 0 || error instanceof TypeError)
    return 'signIn.error.network';
  if (e.status === 429 || (e.code && RATE_LIMIT_CODES.has(e.code))) return 'signIn.error.rateLimited';
  if (step === 'verify' && ((e.code && WRONG_CODE_CODES.has(e.code)) || e.status === 401 || e.status === 403))
    return 'signIn.error.wrongCode';
  if (
    step === 'send' &&
    (e.code === 'email_address_invalid' || e.code === 'validation_failed' || e.status === 422)
  )
    return channel === 'email' ? 'signIn.error.invalidEmail' : 'signIn.error.invalidPhone';
  if (step === 'verify' && e.status === 400) return 'signIn.error.wrongCode';
  return 'signIn.error.generic';
}

/** E.164 after removing spaces, dashes and parentheses people like to type. */
export function normalizePhone(input: string): string | null {
  const compact = input.replace(/[\s\-()]/g, '');
  return /^\+[1-9]\d{7,14}$/.test(compact) ? compact : null;
}

export function isSixDigitCode(input: string): boolean {
  return /^\d{6}$/.test(input);
}
