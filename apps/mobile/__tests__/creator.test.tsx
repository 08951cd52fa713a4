import { ApiClientError } from '@ipelya/api-client';
import type { PublicProfile } from '@ipelya/contracts';
import { screen, waitFor } from 'expo-router/testing-library';
import { press } from './support/actions';
import { api, makeCreator, makeMe, makePost } from './support/fake-api';
import { renderApp } from './support/render-app';

/** A server-like fake: follow state lives here, so refetches after the mutation agree with it. */
function serveCreator(profile: PublicProfile) {
  let current = { ...profile };
  api.profile.mockImplementation(async (handle: string) => {
    if (handle !== profile.handle) throw new ApiClientError(404, 'not_found', 'profile not found');
    return { ...current };
  });
  api.follow.mockImplementation(async () => {
    current = { ...current, is_following: true, followers_count: (current.followers_count ?? 0) + 1 };
    return { following: true };
  });
  api.unfollow.mockImplementation(async () => {
    current = { ...current, is_following: false, followers_count: (current.followers_count ?? 0) - 1 };
    return { following: false };
  });
}

describe('creator profile screen', () => {
  const luna = makeCreator('demo.luna', {
    display_name: 'Luna',
    bio: 'Night sky photos',
    followers_count: 10,
  });

  it('shows the creator, their posts and the persona badge', async () => {
    serveCreator(luna);
    api.profilePosts.mockResolvedValue({ items: [makePost('Moonrise tonight', luna)], next_cursor: null });
    renderApp('/creator/demo.luna');
    expect(await screen.findByText('Luna')).toBeOnTheScreen();
    expect(screen.getByText('Night sky photos')).toBeOnTheScreen();
    expect(screen.getByText('10 followers')).toBeOnTheScreen();
    expect(await screen.findByText('Moonrise tonight')).toBeOnTheScreen();
    expect(api.profilePosts).toHaveBeenCalledWith('demo.luna', { cursor: undefined, limit: 20 });
    expect(screen.getByTestId('persona-badge')).toHaveTextContent(/REAL/);
  });

  it('follows and unfollows', async () => {
    serveCreator(luna);
    renderApp('/creator/demo.luna');
    await press(await screen.findByRole('button', { name: 'Follow' }));
    expect(api.follow).toHaveBeenCalledWith(luna.id);
    expect(await screen.findByRole('button', { name: 'Unfollow' })).toBeOnTheScreen();
    expect(screen.getByText('11 followers')).toBeOnTheScreen();

    await press(screen.getByRole('button', { name: 'Unfollow' }));
    expect(api.unfollow).toHaveBeenCalledWith(luna.id);
    expect(await screen.findByRole('button', { name: 'Follow' })).toBeOnTheScreen();
    await waitFor(() => expect(screen.getByText('10 followers')).toBeOnTheScreen());
  });

  it('rolls back and explains when following fails', async () => {
    serveCreator(luna);
    api.follow.mockRejectedValueOnce(new ApiClientError(429, 'rate_limited', 'slow down'));
    renderApp('/creator/demo.luna');
    await press(await screen.findByRole('button', { name: 'Follow' }));
    expect(await screen.findByText('Could not change the follow: slow down')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Follow' })).toBeOnTheScreen();
    expect(screen.getByText('10 followers')).toBeOnTheScreen();
  });

  it('says so when the handle does not exist', async () => {
    serveCreator(luna);
    renderApp('/creator/nobody.here');
    expect(await screen.findByText('This profile was not found.')).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
  });

  it('offers no follow button on your own active profile', async () => {
    const me = makeMe('real');
    serveCreator({ ...luna, id: me.active_profile.id, handle: 'demo.luna' });
    api.me.mockResolvedValue(me);
    renderApp('/creator/demo.luna');
    expect(await screen.findByText('This is your profile.')).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'Follow' })).toBeNull();
  });
});
