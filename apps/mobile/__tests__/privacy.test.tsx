import type { BlockedProfile, UploadContacts } from '@ipelya/contracts';
import { hashContacts } from '@ipelya/contracts';
import { getLocales } from 'expo-localization';
import { screen, waitFor, within } from 'expo-router/testing-library';
import { press } from './support/actions';
import { api, makeContactsStatus, makeCreator, makeMe } from './support/fake-api';
import { requestPermissionsAsync, setAddressBook } from './support/fake-contacts';
import { renderApp } from './support/render-app';

const phones = ['0532 123 45 67', '+44 20 7946 0958', '0532 123 4567', 'not a number'];
const emails = ['Ayse.Yilmaz@Example.com ', 'kai@example.org', 'nope'];
// What must never leave the phone, in any spelling the app might produce.
const raw = ['532', '1234567', '+905321234567', '2079460958', 'example.com', 'example.org', 'ayse', 'kai@'];

function uploads(): UploadContacts[] {
  return api.uploadContacts.mock.calls.map(([input]) => input);
}

describe('contacts firewall', () => {
  beforeEach(() => {
    // A Turkish phone: local numbers like 0532… are read as +90.
    jest
      .mocked(getLocales)
      .mockReturnValue([{ languageCode: 'tr', languageTag: 'tr-TR', regionCode: 'TR' }] as never);
    api.me.mockResolvedValue(makeMe('real'));
  });
  afterEach(() => {
    jest
      .mocked(getLocales)
      .mockReturnValue([{ languageCode: 'en', languageTag: 'en-US', regionCode: 'US' }] as never);
  });

  it('hashes the address book on the device and uploads only the keyed hashes', async () => {
    setAddressBook([
      { id: '1', phones: [{ number: phones[0] }, { number: phones[1] }], emails: [{ address: emails[0] }] },
      { id: '2', phones: [{ number: phones[2] }, { number: phones[3] }], emails: [{ address: emails[1] }] },
      { id: '3', emails: [{ address: emails[2] }] },
    ]);
    api.contactsStatus.mockResolvedValue(makeContactsStatus({ hash_key: 'k-2026' }));
    api.uploadContacts.mockImplementation(async (input) =>
      makeContactsStatus({ enabled: true, count: input.hashes.length, hash_key: 'k-2026' }),
    );

    renderApp('/privacy/contacts');
    expect(await screen.findByText(/only those hashes/)).toBeOnTheScreen();
    expect(screen.getByTestId('contacts-state')).toHaveTextContent('Off');
    await press(screen.getByTestId('contacts-sync'));

    expect(requestPermissionsAsync).toHaveBeenCalledTimes(1);
    const expected = hashContacts('k-2026', { phones, emails }, 'TR');
    // Two numbers (0532… twice collapses) and two addresses survive normalisation.
    expect(expected).toHaveLength(4);
    expect(uploads()).toEqual([{ hashes: expected, replace: true }]);
    const body = JSON.stringify(uploads());
    for (const fragment of raw) expect(body).not.toContain(fragment);
    expect(await screen.findByText('On · 4 contacts hashed')).toBeOnTheScreen();
  });

  it('uploads a large address book in chunks of at most 5000, replacing only with the first', async () => {
    const many = Array.from({ length: 5003 }, (_, i) => `friend${i}@example.com`);
    setAddressBook([{ id: '1', emails: many.map((address) => ({ address })) }]);
    renderApp('/privacy/contacts');
    await press(await screen.findByTestId('contacts-sync'));

    await waitFor(() => expect(api.uploadContacts).toHaveBeenCalledTimes(2));
    const [first, second] = uploads();
    expect(first?.hashes).toHaveLength(5000);
    expect(first?.replace).toBe(true);
    expect(second?.hashes).toHaveLength(3);
    expect(second?.replace).toBe(false);
    expect([...(first?.hashes ?? []), ...(second?.hashes ?? [])]).toEqual(
      hashContacts('test-hash-key', { emails: many }, 'TR'),
    );
  });

  it('uploads nothing without permission', async () => {
    setAddressBook([{ id: '1', phones: [{ number: phones[0] }] }], false);
    renderApp('/privacy/contacts');
    await press(await screen.findByTestId('contacts-sync'));
    expect(await screen.findByText(/Contacts permission was not granted/)).toBeOnTheScreen();
    expect(api.uploadContacts).not.toHaveBeenCalled();
  });

  it('shows the enabled state and deletes the uploaded hashes', async () => {
    api.contactsStatus.mockResolvedValue(
      makeContactsStatus({ enabled: true, count: 12, updated_at: '2026-11-20T10:00:00.000Z' }),
    );
    api.deleteContacts.mockImplementation(async () => {
      api.contactsStatus.mockResolvedValue(makeContactsStatus());
      return makeContactsStatus();
    });
    renderApp('/privacy/contacts');
    expect(await screen.findByText('On · 12 contacts hashed')).toBeOnTheScreen();
    expect(screen.getByTestId('contacts-sync')).toHaveTextContent('Sync my contacts again');

    await press(screen.getByTestId('contacts-delete'));
    expect(api.deleteContacts).toHaveBeenCalledTimes(1);
    expect(await screen.findByText('Your contact hashes were deleted.')).toBeOnTheScreen();
    expect(screen.getByTestId('contacts-state')).toHaveTextContent('Off');
    expect(screen.queryByTestId('contacts-delete')).toBeNull();
  });
});

describe('blocked accounts', () => {
  function blocked(handle: string, name: string): BlockedProfile {
    const p = makeCreator(handle, { display_name: name });
    return {
      profile: { id: p.id, kind: 'real', handle: p.handle, display_name: p.display_name },
      blocked_at: '2026-11-20T10:00:00.000Z',
    };
  }

  it("lists the active persona's blocks and unblocks one", async () => {
    const spam = blocked('spam.bot', 'Spam Bot');
    const ex = blocked('old.flame', 'Old Flame');
    let items = [spam, ex];
    api.me.mockResolvedValue(makeMe('real'));
    api.blocks.mockImplementation(async () => ({ items }));
    api.unblock.mockImplementation(async (id) => {
      items = items.filter((b) => b.profile.id !== id);
    });

    renderApp('/privacy/blocked');
    const list = await screen.findByTestId('blocked-list');
    expect(screen.getByTestId('blocked-persona')).toHaveTextContent(/Accounts your REAL persona blocked/);
    expect(within(list).getByText('Spam Bot')).toBeOnTheScreen();
    expect(within(list).getByText('Old Flame')).toBeOnTheScreen();

    await press(screen.getByLabelText('Unblock Old Flame'));
    expect(api.unblock).toHaveBeenCalledWith(ex.profile.id);
    await waitFor(() => expect(screen.queryByText('Old Flame')).toBeNull());
    expect(screen.getByText('Spam Bot')).toBeOnTheScreen();
  });

  it('says when nobody is blocked', async () => {
    renderApp('/privacy/blocked');
    expect(await screen.findByText('You have not blocked anyone.')).toBeOnTheScreen();
  });
});

describe('entry points', () => {
  it.each([
    ['link-messages', '/messages'],
    ['link-contacts', '/privacy/contacts'],
    ['link-blocked', '/privacy/blocked'],
  ])('the profile links %s to %s', async (testID, pathname) => {
    const app = renderApp('/profile');
    await press(await screen.findByTestId(testID));
    await waitFor(() => expect(app.getPathname()).toBe(pathname));
  });

  it('home links to messages', async () => {
    const app = renderApp('/');
    await press(await screen.findByTestId('home-messages'));
    await waitFor(() => expect(app.getPathname()).toBe('/messages'));
  });
});
