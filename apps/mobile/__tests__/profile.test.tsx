import { act, screen, waitFor } from 'expo-router/testing-library';
import * as SecureStore from 'expo-secure-store';
import { themes } from '../src/theme/theme';
import { fire, press } from './support/actions';
import { api, makeMe } from './support/fake-api';
import { auth, makeSession } from './support/fake-supabase';
import { renderApp } from './support/render-app';

function serveMeFollowingSwitches() {
  let persona: 'real' | 'shadow' = 'real';
  api.me.mockImplementation(async () => makeMe(persona));
  api.switchPersona.mockImplementation(async (next: 'real' | 'shadow') => {
    persona = next;
    // Embedded auth answers the whole session, as supabase-js's setSession wants it.
    return {
      ...makeSession(next),
      expires_at: 2_000_000_000,
      expires_in: 3600,
      token_type: 'bearer' as const,
    };
  });
}

describe('own profile screen', () => {
  it('switches to the shadow persona and makes it unmistakable', async () => {
    serveMeFollowingSwitches();
    renderApp('/profile');
    expect(await screen.findByText('Ayşe Yılmaz')).toBeOnTheScreen();
    const badge = screen.getByTestId('persona-badge');
    expect(badge).toHaveTextContent(/REAL/);
    expect(screen.getByTestId('persona-card')).toHaveStyle({ borderColor: themes.real.primary });

    await fire(screen.getByLabelText('Shadow mode'), 'valueChange', true);

    expect(api.switchPersona).toHaveBeenCalledWith('shadow');
    const shadowSession = makeSession('shadow');
    expect(auth.setSession).toHaveBeenCalledWith({
      access_token: shadowSession.access_token,
      refresh_token: shadowSession.refresh_token,
    });
    await waitFor(() => expect(screen.getByTestId('persona-badge')).toHaveTextContent(/SHADOW/));
    expect(await screen.findByText('Night Owl')).toBeOnTheScreen();
    // Nothing of the real persona stays on screen after the switch.
    expect(screen.queryByText('Ayşe Yılmaz')).toBeNull();
    expect(screen.getByTestId('persona-card')).toHaveStyle({ borderColor: themes.shadow.primary });
    expect(screen.getByText('Your shadow profile: nobody can tie it to your real one.')).toBeOnTheScreen();

    await fire(screen.getByLabelText('Shadow mode'), 'valueChange', false);
    expect(api.switchPersona).toHaveBeenLastCalledWith('real');
    await waitFor(() => expect(screen.getByTestId('persona-badge')).toHaveTextContent(/REAL/));
  });

  it('never shows the real persona data while the shadow one is loading', async () => {
    serveMeFollowingSwitches();
    renderApp('/profile');
    expect(await screen.findByText('Ayşe Yılmaz')).toBeOnTheScreen();
    let answer: (me: ReturnType<typeof makeMe>) => void = () => {};
    api.me.mockImplementation(() => new Promise((resolve) => (answer = resolve)));

    await fire(screen.getByLabelText('Shadow mode'), 'valueChange', true);
    await waitFor(() => expect(api.me).toHaveBeenCalledTimes(2));
    // The shadow profile has not arrived yet, and the real one is already gone.
    expect(screen.queryByText('Ayşe Yılmaz')).toBeNull();
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/SHADOW/);

    await act(async () => answer(makeMe('shadow')));
    expect(await screen.findByText('Night Owl')).toBeOnTheScreen();
  });

  it('refreshes the session when the server asks for it (Supabase Auth mode)', async () => {
    api.me.mockImplementation(async () =>
      makeMe(auth.refreshSession.mock.calls.length > 0 ? 'shadow' : 'real'),
    );
    api.switchPersona.mockResolvedValue({ persona: 'shadow', refresh_required: true });
    renderApp('/profile');
    await fire(await screen.findByLabelText('Shadow mode'), 'valueChange', true);
    expect(auth.refreshSession).toHaveBeenCalled();
    expect(auth.setSession).not.toHaveBeenCalled();
    await waitFor(() => expect(screen.getByTestId('persona-badge')).toHaveTextContent(/SHADOW/));
  });

  it('keeps the persona and shows why when switching fails', async () => {
    api.switchPersona.mockRejectedValue(new Error('age verification required'));
    renderApp('/profile');
    await fire(await screen.findByLabelText('Shadow mode'), 'valueChange', true);
    expect(await screen.findByText('Could not switch persona: age verification required')).toBeOnTheScreen();
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/REAL/);
    expect(screen.getByLabelText('Shadow mode')).toHaveProp('value', false);
  });

  it('starts in the shadow theme when the stored session is a shadow one', async () => {
    api.me.mockResolvedValue(makeMe('shadow'));
    renderApp('/profile', 'shadow');
    expect(await screen.findByText('Night Owl')).toBeOnTheScreen();
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/SHADOW/);
    expect(screen.getByLabelText('Shadow mode')).toHaveProp('value', true);
  });

  it('switches the language and remembers it', async () => {
    renderApp('/profile');
    await press(await screen.findByRole('button', { name: 'Türkçe' }));
    expect(await screen.findByText('Etkin persona')).toBeOnTheScreen();
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/GERÇEK/);
    expect(screen.getByRole('button', { name: 'Çıkış yap' })).toBeOnTheScreen();
    expect(SecureStore.setItemAsync).toHaveBeenCalledWith('ipelya.language', 'tr');
    await press(screen.getByRole('button', { name: 'English' }));
    expect(await screen.findByText('Active persona')).toBeOnTheScreen();
  });

  it('signs out back to the sign-in screen', async () => {
    const app = renderApp('/profile');
    await press(await screen.findByRole('button', { name: 'Sign out' }));
    expect(auth.signOut).toHaveBeenCalled();
    await waitFor(() => expect(app.getPathname()).toBe('/sign-in'));
    expect(screen.queryByTestId('persona-badge')).toBeNull();
  });
});
