import { act, fireEvent, screen, waitFor, within } from 'expo-router/testing-library';
import { press } from './support/actions';
import { api, makeSessionInfo } from './support/fake-api';
import { auth } from './support/fake-supabase';
import { renderApp } from './support/render-app';

const INSTALL_ID = '7f1d5a52-0c4e-4b53-9d0f-3f1c2b8e9a10';

async function signInByEmail() {
  fireEvent.changeText(await screen.findByLabelText('Email address'), 'ayse@example.com');
  await press(screen.getByRole('button', { name: 'Send code' }));
  fireEvent.changeText(await screen.findByLabelText('Verification code'), '123456');
  await press(screen.getByRole('button', { name: 'Verify' }));
}

describe('device registration', () => {
  it('registers this install with its platform after sign-in, once per session', async () => {
    const app = renderApp('/sign-in', null);
    await screen.findByLabelText('Email address');
    expect(api.registerDevice).not.toHaveBeenCalled();

    await signInByEmail();
    await waitFor(() => expect(app.getPathname()).toBe('/'));
    await waitFor(() => expect(api.registerDevice).toHaveBeenCalledTimes(1));
    // No push token: there is no notifications library yet, and nothing fake is sent in its place.
    expect(api.registerDevice).toHaveBeenCalledWith({ install_id: INSTALL_ID, platform: 'ios' });

    // A token refresh keeps the same session, so nothing is registered again.
    await act(async () => {
      await auth.refreshSession();
    });
    expect(api.registerDevice).toHaveBeenCalledTimes(1);
  });

  it('registers when the app starts with a saved session', async () => {
    renderApp('/');
    await screen.findByTestId('persona-badge');
    await waitFor(() =>
      expect(api.registerDevice).toHaveBeenCalledWith({ install_id: INSTALL_ID, platform: 'ios' }),
    );
    expect(api.registerDevice).toHaveBeenCalledTimes(1);
  });

  it('does not let a failed registration break sign-in', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      api.registerDevice.mockRejectedValue(new Error('network down'));
      const app = renderApp('/sign-in', null);
      await signInByEmail();
      await waitFor(() => expect(app.getPathname()).toBe('/'));
      expect(await screen.findByTestId('persona-badge')).toHaveTextContent(/REAL/);
      await waitFor(() => expect(warn).toHaveBeenCalled());
      expect(api.registerDevice).toHaveBeenCalledTimes(1);
      expect(screen.queryByRole('alert')).toBeNull();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('devices & sessions on the own profile', () => {
  const phoneDevice = {
    id: '11111111-1111-4111-8111-111111111111',
    install_id: INSTALL_ID,
    platform: 'ios' as const,
    attestation_status: 'none' as const,
    created_at: '2026-11-01T12:00:00.000Z',
    last_seen_at: '2026-11-20T12:00:00.000Z',
  };
  const webDevice = { ...phoneDevice, id: '22222222-2222-4222-8222-222222222222', platform: 'web' as const };
  const current = makeSessionInfo({
    current: true,
    device_id: phoneDevice.id,
    created_at: '2026-11-20T12:00:00.000Z',
  });
  const other = makeSessionInfo({
    device_id: webDevice.id,
    persona: 'shadow',
    created_at: '2026-11-03T12:00:00.000Z',
  });

  function serveSessions() {
    let items = [current, other];
    api.sessions.mockImplementation(async () => ({ items }));
    api.revokeSession.mockImplementation(async (id: string) => {
      items = items.filter((s) => s.id !== id);
    });
    api.devices.mockImplementation(async () => ({ items: [phoneDevice, webDevice] }));
  }

  it('lists the sessions and marks the current one', async () => {
    serveSessions();
    renderApp('/profile');
    expect(await screen.findByText('Devices & sessions')).toBeOnTheScreen();

    const currentRow = await screen.findByTestId(`session-${current.id}`);
    await waitFor(() => expect(within(currentRow).getByText('iPhone or iPad')).toBeOnTheScreen());
    expect(within(currentRow).getByText('This session')).toBeOnTheScreen();
    expect(within(currentRow).getByText('Signed in on Nov 20, 2026')).toBeOnTheScreen();
    expect(within(currentRow).getByText('Persona: REAL')).toBeOnTheScreen();
    // The current session is ended with the ordinary sign-out, not from this list.
    expect(within(currentRow).queryByRole('button', { name: 'Sign out this session' })).toBeNull();

    const otherRow = screen.getByTestId(`session-${other.id}`);
    expect(within(otherRow).getByText('Web browser')).toBeOnTheScreen();
    expect(within(otherRow).queryByText('This session')).toBeNull();
    expect(within(otherRow).getByText('Signed in on Nov 3, 2026')).toBeOnTheScreen();
    expect(within(otherRow).getByText('Persona: SHADOW')).toBeOnTheScreen();
    expect(within(otherRow).getByRole('button', { name: 'Sign out this session' })).toBeOnTheScreen();
  });

  it('signs another session out and refreshes the list', async () => {
    serveSessions();
    renderApp('/profile');
    const otherRow = await screen.findByTestId(`session-${other.id}`);
    expect(api.sessions).toHaveBeenCalledTimes(1);

    await press(within(otherRow).getByRole('button', { name: 'Sign out this session' }));

    expect(api.revokeSession).toHaveBeenCalledWith(other.id);
    await waitFor(() => expect(screen.queryByTestId(`session-${other.id}`)).toBeNull());
    expect(api.sessions).toHaveBeenCalledTimes(2);
    expect(screen.getByTestId(`session-${current.id}`)).toBeOnTheScreen();
    expect(auth.signOut).not.toHaveBeenCalled();
  });

  it('shows why a session could not be signed out', async () => {
    serveSessions();
    api.revokeSession.mockRejectedValue(new Error('session not found'));
    renderApp('/profile');
    const otherRow = await screen.findByTestId(`session-${other.id}`);
    await press(within(otherRow).getByRole('button', { name: 'Sign out this session' }));
    expect(await screen.findByText('Could not sign out the session: session not found')).toBeOnTheScreen();
    expect(screen.getByTestId(`session-${other.id}`)).toBeOnTheScreen();
  });

  it('still lists sessions when the devices cannot be loaded, and speaks Turkish', async () => {
    serveSessions();
    api.devices.mockRejectedValue(new Error('boom'));
    renderApp('/profile');
    const currentRow = await screen.findByTestId(`session-${current.id}`);
    expect(within(currentRow).getByText('Unknown device')).toBeOnTheScreen();

    await press(screen.getByRole('button', { name: 'Türkçe' }));
    expect(await screen.findByText('Cihazlar ve oturumlar')).toBeOnTheScreen();
    expect(within(currentRow).getByText('Bu oturum')).toBeOnTheScreen();
    expect(within(currentRow).getByText('Bilinmeyen cihaz')).toBeOnTheScreen();
    expect(
      within(screen.getByTestId(`session-${other.id}`)).getByRole('button', { name: 'Bu oturumu kapat' }),
    ).toBeOnTheScreen();
  });
});
