import { screen, waitFor } from 'expo-router/testing-library';
import { api, makeCreator, makeMe, makePost } from './support/fake-api';
import {
  activeScreenshotListeners,
  takeScreenshot,
  usePreventScreenCapture,
} from './support/fake-screen-capture';
import { renderApp } from './support/render-app';

const preventedKeys = () => usePreventScreenCapture.mock.calls.map(([key]) => key);

describe('anti-screenshot guard on sensitive screens', () => {
  const luna = makeCreator('demo.luna', { display_name: 'Luna' });

  it('protects a creator profile with locked posts and reports a screenshot of it', async () => {
    api.profile.mockResolvedValue(luna);
    api.profilePosts.mockResolvedValue({
      items: [makePost('', luna, { visibility: 'ppv', price_coins: 5, unlocked: false })],
      next_cursor: null,
    });
    renderApp('/creator/demo.luna');
    expect(await screen.findByTestId('screenshot-notice')).toHaveTextContent(
      'Screenshots are reported to the creator.',
    );
    expect(preventedKeys()).toContain(`creator:${luna.id}`);
    await waitFor(() => expect(activeScreenshotListeners()).toBe(1));

    takeScreenshot();
    expect(api.reportScreenshot).toHaveBeenCalledTimes(1);
    expect(api.reportScreenshot).toHaveBeenCalledWith({ context: 'profile', target_id: luna.id });
  });

  it('leaves a creator profile with only public posts alone', async () => {
    api.profile.mockResolvedValue(luna);
    api.profilePosts.mockResolvedValue({ items: [makePost('Hello', luna)], next_cursor: null });
    renderApp('/creator/demo.luna');
    expect(await screen.findByText('Hello')).toBeOnTheScreen();
    expect(screen.queryByTestId('screenshot-notice')).toBeNull();
    expect(preventedKeys()).not.toContain(`creator:${luna.id}`);
    takeScreenshot();
    expect(api.reportScreenshot).not.toHaveBeenCalled();
  });

  it('protects the own profile only while in the shadow persona, without reporting yourself', async () => {
    api.me.mockImplementation(async () => makeMe('real'));
    const real = renderApp('/profile', 'real');
    expect(await screen.findByText('Ayşe Yılmaz')).toBeOnTheScreen();
    expect(preventedKeys()).not.toContain('own-shadow-profile');
    real.unmount();

    api.me.mockImplementation(async () => makeMe('shadow'));
    renderApp('/profile', 'shadow');
    expect(await screen.findByText('Night Owl')).toBeOnTheScreen();
    expect(preventedKeys()).toContain('own-shadow-profile');
    expect(screen.queryByTestId('screenshot-notice')).toBeNull();
    takeScreenshot();
    expect(api.reportScreenshot).not.toHaveBeenCalled();
  });

  it('protects the wallet', async () => {
    api.wallet.mockResolvedValue({ balance: 42, in_debt: false, history: [], next_cursor: null });
    renderApp('/wallet');
    expect(await screen.findByTestId('wallet-balance')).toBeOnTheScreen();
    expect(preventedKeys()).toContain('wallet');
  });
});
