'use client';

import type { AuthSession, Me, OwnProfile, Persona } from '@ipelya/contracts';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { useI18n } from '../../../i18n/i18n-provider.tsx';
import type { MessageKey } from '../../../i18n/messages.ts';
import { getApi } from '../../../lib/api-browser.ts';
import { getSupabase } from '../../../lib/supabase-browser.ts';
import { WalletCard } from './wallet-card.tsx';

type State = { kind: 'loading' } | { kind: 'ready'; me: Me } | { kind: 'error'; message: MessageKey };

const PERSONA_LABEL: Record<Persona, MessageKey> = { real: 'persona.real', shadow: 'persona.shadow' };
const PERSONA_HINT: Record<Persona, MessageKey> = {
  real: 'persona.real.hint',
  shadow: 'persona.shadow.hint',
};

export function AccountView() {
  const { t } = useI18n();
  const router = useRouter();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [switching, setSwitching] = useState(false);
  const [switchError, setSwitchError] = useState(false);

  const load = useCallback(async () => {
    setState({ kind: 'loading' });
    const { data } = await getSupabase().auth.getSession();
    if (!data.session) {
      router.replace('/sign-in');
      return;
    }
    try {
      setState({ kind: 'ready', me: await getApi().me() });
    } catch {
      setState({ kind: 'error', message: 'account.error.load' });
    }
  }, [router]);

  useEffect(() => {
    void load();
    const { data } = getSupabase().auth.onAuthStateChange((event) => {
      if (event === 'SIGNED_OUT') router.replace('/sign-in');
    });
    return () => data.subscription.unsubscribe();
  }, [load, router]);

  async function switchTo(persona: Persona) {
    setSwitching(true);
    setSwitchError(false);
    try {
      // Embedded auth mints a session whose claims carry the other persona; with Supabase Auth the server
      // answers refresh_required and the claims hook picks the persona up on refresh.
      const result: AuthSession | { refresh_required: true } = await getApi().switchPersona(persona);
      const supabase = getSupabase();
      const { error } =
        'refresh_required' in result
          ? await supabase.auth.refreshSession()
          : await supabase.auth.setSession({
              access_token: result.access_token,
              refresh_token: result.refresh_token,
            });
      if (error) throw error;
      setState({ kind: 'ready', me: await getApi().me() });
    } catch {
      setSwitchError(true);
    } finally {
      setSwitching(false);
    }
  }

  async function signOut() {
    await getSupabase().auth.signOut();
    router.replace('/');
  }

  if (state.kind === 'loading') {
    return (
      <p className="muted" data-testid="account-loading">
        {t('account.loading')}
      </p>
    );
  }
  if (state.kind === 'error') {
    return (
      <div className="narrow">
        <p className="error" role="alert" data-testid="account-error">
          {t(state.message)}
        </p>
        <button type="button" className="button" onClick={() => void load()}>
          {t('account.retry')}
        </button>
      </div>
    );
  }

  const { me } = state;
  const other: Persona = me.persona === 'real' ? 'shadow' : 'real';
  return (
    <div className={`account persona-theme-${me.persona}`} data-testid="account" data-persona={me.persona}>
      <h1>{t('account.title')}</h1>
      {(me.email ?? me.phone) && (
        <p className="muted" data-testid="signed-in-as">
          {t('account.signedInAs', { contact: me.email ?? me.phone ?? '' })}
        </p>
      )}

      <section className={`card active-persona persona-${me.persona}`} aria-live="polite">
        <p className="muted small">{t('account.activeNow')}</p>
        <span
          className={`persona-badge persona-${me.persona}`}
          data-testid="active-persona-badge"
          data-persona={me.persona}
        >
          {me.persona === 'shadow' ? '◐ ' : '● '}
          {t(PERSONA_LABEL[me.persona])}
        </span>
        <h2 className="active-name" data-testid="active-display-name">
          {me.active_profile.display_name}
        </h2>
        <p className="handle" data-testid="active-handle">
          @{me.active_profile.handle}
        </p>
        <p className="muted small">{t(PERSONA_HINT[me.persona])}</p>
        <button
          type="button"
          className="button primary"
          disabled={switching}
          data-testid="switch-persona"
          onClick={() => void switchTo(other)}
        >
          {switching
            ? t('account.switching')
            : t(other === 'shadow' ? 'account.switchToShadow' : 'account.switchToReal')}
        </button>
        {switchError && (
          <p className="error" role="alert" data-testid="switch-error">
            {t('account.error.switch')}
          </p>
        )}
      </section>

      <section className="card">
        <h2>{t('account.personas')}</h2>
        <ul className="persona-list">
          <PersonaRow kind="real" profile={me.real_profile} active={me.persona === 'real'} />
          <PersonaRow kind="shadow" profile={me.shadow_profile} active={me.persona === 'shadow'} />
        </ul>
        <p className="muted small">{t('account.privacyNote')}</p>
      </section>

      <WalletCard persona={me.persona} />

      {me.active_profile.is_creator && (
        <p>
          <Link href="/earnings" className="button" data-testid="earnings-link">
            {t('nav.earnings')}
          </Link>
        </p>
      )}

      {me.is_admin && (
        <p>
          <Link href="/admin/payouts" className="button" data-testid="admin-link">
            {t('nav.admin')}
          </Link>
        </p>
      )}

      <button type="button" className="button" data-testid="sign-out" onClick={() => void signOut()}>
        {t('account.signOut')}
      </button>
    </div>
  );
}

function PersonaRow(props: { kind: Persona; profile: OwnProfile | null; active: boolean }) {
  const { t } = useI18n();
  return (
    <li
      className={`persona-row persona-${props.kind}`}
      data-testid={`persona-${props.kind}`}
      data-active={props.active}
    >
      <span className={`persona-dot persona-${props.kind}`} aria-hidden="true" />
      <span className="persona-row-text">
        <strong>{t(PERSONA_LABEL[props.kind])}</strong>
        {props.profile ? (
          <span className="handle" data-testid={`persona-${props.kind}-handle`}>
            @{props.profile.handle}
          </span>
        ) : (
          <span className="muted">{t('account.notCreated')}</span>
        )}
      </span>
      {props.active && <span className="pill">{t('account.active')}</span>}
    </li>
  );
}
