// Stands in for expo-contacts (a native module): each test sets the address book and the permission answer.
type Entry = { id: string; phones?: { number?: string }[]; emails?: { address?: string }[] };

export const book: { entries: Entry[]; granted: boolean } = { entries: [], granted: true };

export const requestPermissionsAsync = jest.fn(async () => ({
  granted: book.granted,
  status: book.granted ? 'granted' : 'denied',
  canAskAgain: true,
  expires: 'never',
}));

export const ContactField = { PHONES: 'phones', EMAILS: 'emails' } as const;

export const Contact = {
  getAllDetails: jest.fn(async (fields: readonly string[]) =>
    book.entries.map((e) => ({
      id: e.id,
      ...(fields.includes('phones') ? { phones: e.phones ?? [] } : {}),
      ...(fields.includes('emails') ? { emails: e.emails ?? [] } : {}),
    })),
  ),
};

export function setAddressBook(entries: Entry[], granted = true) {
  book.entries = entries;
  book.granted = granted;
}

export function resetFakeContacts() {
  setAddressBook([]);
  requestPermissionsAsync.mockClear();
  Contact.getAllDetails.mockClear();
}
