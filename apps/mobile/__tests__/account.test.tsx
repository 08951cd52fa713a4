import type { Persona, ShadowState } from '@ipelya/contracts';
import { screen, waitFor, within } from 'expo-router/testing-library';
import * as SecureStore from 'expo-secure-store';
import { fire, press } from './support/actions';
import { api, apiError, makeMe, makeShadowState } from './support/fake-api';
import { auth, makeToken, state } from './support/fake-supabase';
import { renderApp } from './support/render-app';

/** The server's view: which persona this session is in and whether the shadow is on. */
function serveAccount(start: { persona: Persona; shadow: ShadowState['shadow'] }) {
  const server = { ...start };
  api.me.mockImplementation(async () => makeMe(server.persona));
  api.shadowState.mockImplementation(async () =>
    makeShadowState({ shadow: server.shadow, persona: server.persona }),
  );
  api.shadowOn.mockImplementation(async () => {
    server.shadow = 'active';
    return makeShadowState({ shadow: 'active', persona: server.persona });
  });
  return server;
}

const realSession = () => ({
  access_token: makeToken('real', 3),
  refresh_token: 'refresh-real-3',
  token_type: 'bearer' as const,
  expires_in: 3600,
  expires_at: 1_900_000_000,
  user: { id: 'user-1' },
});

describe('shadow persona on/off', () => {
  it('switches the shadow off from the shadow persona and installs the fresh real session', async () => {
    const server = serveAccount({ persona: 'shadow', shadow: 'active' });
    const fresh = realSession();
    api.shadowOff.mockImplementation(async () => {
      server.shadow = 'off';
      server.persona = 'real';
      return { shadow: 'off', persona: 'real', session: fresh, refresh_required: false };
    });
    renderApp('/profile', 'shadow');
    expect(await screen.findByText('Night Owl')).toBeOnTheScreen();
    expect(await screen.findByTestId('shadow-state')).toHaveTextContent('On');
    expect(screen.getByText(/turning it off moves this session to your real persona/)).toBeOnTheScreen();

    await fire(screen.getByLabelText('Shadow persona on'), 'valueChange', false);
    expect(api.shadowOff).toHaveBeenCalledTimes(1);
    expect(auth.setSession).toHaveBeenCalledWith({
      access_token: fresh.access_token,
      refresh_token: fresh.refresh_token,
    });
    expect(auth.refreshSession).not.toHaveBeenCalled();
    await waitFor(() => expect(screen.getByTestId('persona-badge')).toHaveTextContent(/REAL/));
    expect(await screen.findByText('Ayşe Yılmaz')).toBeOnTheScreen();
    expect(screen.queryByText('Night Owl')).toBeNull();
    expect(await screen.findByTestId('shadow-state')).toHaveTextContent('Off');
    // A shadow that is off cannot be switched into.
    expect(screen.getByLabelText('Shadow mode')).toHaveProp('disabled', true);
    expect(screen.getByTestId('shadow-unavailable')).toBeOnTheScreen();
  });

  it('refreshes the session when the server asks for it (Supabase Auth mode)', async () => {
    const server = serveAccount({ persona: 'shadow', shadow: 'active' });
    state.refreshPersona = 'real';
    api.shadowOff.mockImplementation(async () => {
      server.shadow = 'off';
      server.persona = 'real';
      return { shadow: 'off', persona: 'real', session: null, refresh_required: true };
    });
    renderApp('/profile', 'shadow');
    await fire(await screen.findByLabelText('Shadow persona on'), 'valueChange', false);
    expect(auth.refreshSession).toHaveBeenCalledTimes(1);
    expect(auth.setSession).not.toHaveBeenCalled();
    await waitFor(() => expect(screen.getByTestId('persona-badge')).toHaveTextContent(/REAL/));
    expect(await screen.findByText('Ayşe Yılmaz')).toBeOnTheScreen();
    expect(await screen.findByTestId('shadow-state')).toHaveTextContent('Off');
  });

  it('switches the shadow off and on from the real persona, reading persona-scoped data again', async () => {
    const server = serveAccount({ persona: 'real', shadow: 'active' });
    api.shadowOff.mockImplementation(async () => {
      server.shadow = 'off';
      return makeShadowState({ shadow: 'off', persona: 'real' });
    });
    renderApp('/profile');
    expect(await screen.findByTestId('shadow-state')).toHaveTextContent('On');
    const meCalls = api.me.mock.calls.length;
    const sessionCalls = api.sessions.mock.calls.length;

    await fire(screen.getByLabelText('Shadow persona on'), 'valueChange', false);
    await waitFor(() => expect(screen.getByTestId('shadow-state')).toHaveTextContent('Off'));
    expect(auth.setSession).not.toHaveBeenCalled();
    expect(auth.refreshSession).not.toHaveBeenCalled();
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/REAL/);
    await waitFor(() => expect(api.me.mock.calls.length).toBeGreaterThan(meCalls));
    expect(api.sessions.mock.calls.length).toBeGreaterThan(sessionCalls);
    expect(screen.getByLabelText('Shadow mode')).toHaveProp('disabled', true);

    await fire(screen.getByLabelText('Shadow persona on'), 'valueChange', true);
    expect(api.shadowOn).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getByTestId('shadow-state')).toHaveTextContent('On'));
    expect(screen.getByLabelText('Shadow mode')).toHaveProp('disabled', false);
    expect(screen.queryByTestId('shadow-unavailable')).toBeNull();
  });

  it('shows why the switch failed and what the server says now', async () => {
    serveAccount({ persona: 'real', shadow: 'active' });
    api.shadowOff.mockRejectedValue(apiError(500, 'internal', 'server unavailable'));
    renderApp('/profile');
    await fire(await screen.findByLabelText('Shadow persona on'), 'valueChange', false);
    expect(
      await screen.findByText('Could not change the shadow persona: server unavailable'),
    ).toBeOnTheScreen();
    expect(screen.getByTestId('shadow-state')).toHaveTextContent('On');
  });

  it('offers no switch for a shadow suspended by moderation', async () => {
    serveAccount({ persona: 'real', shadow: 'suspended' });
    renderApp('/profile');
    expect(await screen.findByTestId('shadow-state')).toHaveTextContent('Suspended by moderation');
    expect(screen.getByLabelText('Shadow persona on')).toHaveProp('disabled', true);
  });
});

describe('account deletion', () => {
  async function openDeletion() {
    const app = renderApp('/profile');
    await press(await screen.findByTestId('link-delete-account'));
    await waitFor(() => expect(app.getPathname()).toBe('/account/delete'));
    return app;
  }

  it('explains what goes, needs the confirmation word, deletes and signs out to sign-in', async () => {
    const app = await openDeletion();
    const list = screen.getByTestId('delete-what-goes');
    for (const text of [
      /Both of your personas/,
      /Your posts and every photo/,
      /for you and for the people you talked to/,
      /coins in your wallet: they are forfeited/,
    ])
      expect(within(list).getByText(text)).toBeOnTheScreen();
    expect(screen.getByText(/refused while a payout, held earnings or a coin purchase/)).toBeOnTheScreen();

    const confirm = screen.getByTestId('delete-account-confirm');
    await fire(screen.getByTestId('delete-confirm-input'), 'changeText', 'delet');
    expect(confirm).toBeDisabled();
    await press(confirm);
    expect(api.deleteAccount).not.toHaveBeenCalled();

    await fire(screen.getByTestId('delete-confirm-input'), 'changeText', ' delete ');
    expect(screen.getByTestId('delete-account-confirm')).toBeEnabled();
    await press(screen.getByTestId('delete-account-confirm'));
    expect(api.deleteAccount).toHaveBeenCalledTimes(1);
    expect(auth.signOut).toHaveBeenCalledWith({ scope: 'local' });
    await waitFor(() => expect(app.getPathname()).toBe('/sign-in'));
    expect(screen.queryByTestId('persona-badge')).toBeNull();
  });

  it.each([
    ['payout_in_flight', 'A payout to you is still in progress.'],
    ['earnings_pending', 'Some of your earnings are still on hold.'],
    ['earnings_unpaid', 'You have earnings that can still be paid out to you.'],
    ['purchase_in_flight', 'A coin purchase is still being processed.'],
  ])('a 409 %s explains itself and keeps the user signed in', async (code, text) => {
    api.deleteAccount.mockRejectedValue(apiError(409, code, `money is moving: ${code}`));
    const app = await openDeletion();
    await fire(screen.getByTestId('delete-confirm-input'), 'changeText', 'DELETE');
    await press(screen.getByTestId('delete-account-confirm'));
    expect(await screen.findByTestId('delete-error')).toHaveTextContent(new RegExp(`^${text}`));
    expect(screen.getByText('Nothing was deleted.')).toBeOnTheScreen();
    expect(auth.signOut).not.toHaveBeenCalled();
    expect(app.getPathname()).toBe('/account/delete');
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/REAL/);
  });

  it('shows other failures as they are', async () => {
    api.deleteAccount.mockRejectedValue(apiError(500, 'internal', 'database unavailable'));
    await openDeletion();
    await fire(screen.getByTestId('delete-confirm-input'), 'changeText', 'delete');
    await press(screen.getByTestId('delete-account-confirm'));
    expect(await screen.findByText('Could not delete your account: database unavailable')).toBeOnTheScreen();
    expect(screen.queryByText('Nothing was deleted.')).toBeNull();
    expect(auth.signOut).not.toHaveBeenCalled();
  });

  it('works in Turkish, with the Turkish confirmation word in any case', async () => {
    const { useLanguageStore } = require('../src/i18n/i18n');
    useLanguageStore.setState({ language: 'tr' });
    api.deleteAccount.mockRejectedValue(apiError(409, 'earnings_unpaid', 'earnings unpaid'));
    const app = renderApp('/profile');
    await press(await screen.findByRole('button', { name: 'Hesabı sil' }));
    await waitFor(() => expect(app.getPathname()).toBe('/account/delete'));
    expect(screen.getByText('Bu işlem hesabını kalıcı olarak siler. Geri alınamaz.')).toBeOnTheScreen();
    await fire(screen.getByLabelText('Onaylamak için SİL yaz'), 'changeText', 'sil');
    await press(screen.getByRole('button', { name: 'Hesabımı kalıcı olarak sil' }));
    expect(
      await screen.findByText(
        'Sana hâlâ ödenebilecek kazançların var. Önce ödeme talep et, sonra hesabını sil.',
      ),
    ).toBeOnTheScreen();
    expect(screen.getByText('Hiçbir şey silinmedi.')).toBeOnTheScreen();
  });

  it('removes the stored session itself when the local sign-out fails', async () => {
    auth.signOut.mockResolvedValueOnce({ error: new Error('network request failed') });
    const app = await openDeletion();
    await fire(screen.getByTestId('delete-confirm-input'), 'changeText', 'delete');
    await press(screen.getByTestId('delete-account-confirm'));
    expect(api.deleteAccount).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(app.getPathname()).toBe('/sign-in'));
    expect(SecureStore.deleteItemAsync).toHaveBeenCalledWith('sb-localhost-auth-token');
  });
});
