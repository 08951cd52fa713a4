import { fireEvent, screen, waitFor } from 'expo-router/testing-library';
import { press } from './support/actions';
import { createApiClient } from './support/fake-api';
import { auth, createClient } from './support/fake-supabase';
import { renderApp } from './support/render-app';

async function sendEmailCode(email: string) {
  fireEvent.changeText(await screen.findByLabelText('Email address'), email);
  await press(screen.getByRole('button', { name: 'Send code' }));
}

describe('sign-in screen', () => {
  it('is where a signed-out user lands', async () => {
    const app = renderApp('/', null);
    expect(await screen.findByLabelText('Email address')).toBeOnTheScreen();
    expect(app.getPathname()).toBe('/sign-in');
    expect(screen.queryByTestId('persona-badge')).toBeNull();
  });

  it('rejects a malformed email without calling the server', async () => {
    renderApp('/sign-in', null);
    await sendEmailCode('not-an-email');
    expect(await screen.findByText('Enter a valid email address.')).toBeOnTheScreen();
    expect(auth.signInWithOtp).not.toHaveBeenCalled();
  });

  it('sends an email code, then shows the code step', async () => {
    renderApp('/sign-in', null);
    await sendEmailCode('  Ayse@Example.com ');
    expect(await screen.findByText('We sent a 6-digit code to ayse@example.com.')).toBeOnTheScreen();
    expect(auth.signInWithOtp).toHaveBeenCalledWith({ email: 'ayse@example.com' });
    expect(screen.getByLabelText('Verification code')).toBeOnTheScreen();
    expect(screen.queryByLabelText('Email address')).toBeNull();
  });

  it('shows the server error when the code cannot be sent', async () => {
    auth.signInWithOtp.mockResolvedValueOnce({ data: {}, error: new Error('Too many requests') });
    renderApp('/sign-in', null);
    await sendEmailCode('ayse@example.com');
    expect(await screen.findByText('Could not send the code: Too many requests')).toBeOnTheScreen();
    expect(screen.queryByLabelText('Verification code')).toBeNull();
  });

  it('shows an error for a wrong code and signs in with the right one', async () => {
    auth.verifyOtp.mockResolvedValueOnce({
      data: { session: null } as never,
      error: new Error('Token has expired or is invalid'),
    });
    const app = renderApp('/sign-in', null);
    await sendEmailCode('ayse@example.com');
    const code = await screen.findByLabelText('Verification code');

    fireEvent.changeText(code, '12a');
    await press(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByText('The code must be 6 digits.')).toBeOnTheScreen();
    expect(auth.verifyOtp).not.toHaveBeenCalled();

    fireEvent.changeText(code, '111111');
    await press(screen.getByRole('button', { name: 'Verify' }));
    expect(
      await screen.findByText('Could not verify the code: Token has expired or is invalid'),
    ).toBeOnTheScreen();

    fireEvent.changeText(screen.getByLabelText('Verification code'), '123456');
    await press(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(app.getPathname()).toBe('/'));
    expect(auth.verifyOtp).toHaveBeenLastCalledWith({
      email: 'ayse@example.com',
      token: '123456',
      type: 'email',
    });
    expect(await screen.findByTestId('persona-badge')).toBeOnTheScreen();
  });

  it('signs in by phone with an SMS code', async () => {
    renderApp('/sign-in', null);
    await press(await screen.findByRole('button', { name: 'Phone' }));
    fireEvent.changeText(screen.getByLabelText('Phone number'), '+90 555 123 45 67');
    await press(screen.getByRole('button', { name: 'Send code' }));
    expect(await screen.findByText('We sent a 6-digit code to +905551234567.')).toBeOnTheScreen();
    expect(auth.signInWithOtp).toHaveBeenCalledWith({ phone: '+905551234567' });
    fireEvent.changeText(screen.getByLabelText('Verification code'), '654321');
    await press(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() =>
      expect(auth.verifyOtp).toHaveBeenCalledWith({ phone: '+905551234567', token: '654321', type: 'sms' }),
    );
  });

  it('binds both clients to this install with device and platform headers', async () => {
    renderApp('/sign-in', null);
    await screen.findByLabelText('Email address');
    const expected = {
      'x-ipelya-device': '7f1d5a52-0c4e-4b53-9d0f-3f1c2b8e9a10',
      'x-ipelya-platform': 'ios',
    };
    expect(createClient).toHaveBeenCalledWith(
      'http://localhost:54321',
      expect.any(String),
      expect.objectContaining({ global: { headers: expected } }),
    );
    expect(createApiClient).toHaveBeenCalledWith(expect.objectContaining({ headers: expected }));
  });
});
