'use client';

import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { z } from 'zod';
import { useI18n } from '../../../i18n/i18n-provider.tsx';
import type { MessageKey } from '../../../i18n/messages.ts';
import { authErrorMessage, isSixDigitCode, normalizePhone } from '../../../lib/auth-errors.ts';
import { getSupabase } from '../../../lib/supabase-browser.ts';

type Channel = 'email' | 'phone';
const EmailSchema = z.email();

export function SignInForm() {
  const { t } = useI18n();
  const router = useRouter();
  const [channel, setChannel] = useState<Channel>('email');
  const [input, setInput] = useState('');
  /** The normalized address the code was sent to; null while still on the first step. */
  const [target, setTarget] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  function pickChannel(next: Channel) {
    setChannel(next);
    setInput('');
    setTarget(null);
    setCode('');
    setError(null);
  }

  async function requestCode(raw: string) {
    setError(null);
    let normalized: string | null;
    if (channel === 'email') {
      normalized = raw.trim().toLowerCase();
      if (!EmailSchema.safeParse(normalized).success) return setError('signIn.error.invalidEmail');
    } else {
      normalized = normalizePhone(raw);
      if (!normalized) return setError('signIn.error.invalidPhone');
    }
    setBusy(true);
    try {
      const supabase = getSupabase();
      const { error: err } =
        channel === 'email'
          ? await supabase.auth.signInWithOtp({ email: normalized, options: { shouldCreateUser: true } })
          : await supabase.auth.signInWithOtp({ phone: normalized, options: { shouldCreateUser: true } });
      if (err) return setError(authErrorMessage(err, 'send', channel));
      setTarget(normalized);
      setCode('');
    } catch (err) {
      setError(authErrorMessage(err, 'send', channel));
    } finally {
      setBusy(false);
    }
  }

  async function verify(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!target) return;
    const token = code.trim();
    if (!isSixDigitCode(token)) return setError('signIn.error.invalidCode');
    setBusy(true);
    try {
      const supabase = getSupabase();
      const { data, error: err } =
        channel === 'email'
          ? await supabase.auth.verifyOtp({ email: target, token, type: 'email' })
          : await supabase.auth.verifyOtp({ phone: target, token, type: 'sms' });
      if (err || !data.session) return setError(authErrorMessage(err, 'verify', channel));
      router.push('/account');
    } catch (err) {
      setError(authErrorMessage(err, 'verify', channel));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="card form-card" data-testid="sign-in-form">
      <div className="segmented" role="tablist" aria-label={t('signIn.method.label')}>
        {(['email', 'phone'] as const).map((c) => (
          <button
            key={c}
            type="button"
            role="tab"
            aria-selected={channel === c}
            className={channel === c ? 'active' : ''}
            data-testid={`method-${c}`}
            onClick={() => channel !== c && pickChannel(c)}
          >
            {t(c === 'email' ? 'signIn.method.email' : 'signIn.method.phone')}
          </button>
        ))}
      </div>

      {target === null ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void requestCode(input);
          }}
          noValidate
        >
          <label htmlFor="sign-in-target">
            {t(channel === 'email' ? 'signIn.email.label' : 'signIn.phone.label')}
          </label>
          <input
            id="sign-in-target"
            data-testid={channel === 'email' ? 'email-input' : 'phone-input'}
            type={channel === 'email' ? 'email' : 'tel'}
            autoComplete={channel === 'email' ? 'email' : 'tel'}
            placeholder={t(channel === 'email' ? 'signIn.email.placeholder' : 'signIn.phone.placeholder')}
            value={input}
            onChange={(e) => setInput(e.target.value)}
            required
          />
          {channel === 'phone' && <p className="muted small">{t('signIn.phone.hint')}</p>}
          <button type="submit" className="button primary" disabled={busy} data-testid="send-code">
            {busy ? t('signIn.sending') : t('signIn.sendCode')}
          </button>
        </form>
      ) : (
        <form onSubmit={verify} noValidate>
          <p data-testid="code-sent">{t('signIn.codeSent', { target })}</p>
          <label htmlFor="sign-in-code">{t('signIn.code.label')}</label>
          <input
            id="sign-in-code"
            data-testid="code-input"
            className="code-input"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="\d{6}"
            maxLength={6}
            value={code}
            onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
            required
          />
          <button type="submit" className="button primary" disabled={busy} data-testid="verify-code">
            {busy ? t('signIn.verifying') : t('signIn.verify')}
          </button>
          <div className="row">
            <button type="button" className="link-button" onClick={() => pickChannel(channel)}>
              {t('signIn.changeTarget')}
            </button>
            <button
              type="button"
              className="link-button"
              disabled={busy}
              data-testid="resend-code"
              onClick={() => void requestCode(target)}
            >
              {t('signIn.resend')}
            </button>
          </div>
        </form>
      )}

      {error && (
        <p className="error" role="alert" data-testid="sign-in-error">
          {t(error)}
        </p>
      )}
    </div>
  );
}
