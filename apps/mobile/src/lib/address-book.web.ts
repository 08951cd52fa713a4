export type AddressBook = { phones: string[]; emails: string[] };
export type AddressBookResult =
  | { status: 'granted'; book: AddressBook }
  | { status: 'denied' | 'unavailable' };

/** Browsers have no address book to read. */
export function deviceRegion(): string | undefined {
  return undefined;
}

export async function readAddressBook(): Promise<AddressBookResult> {
  return { status: 'unavailable' };
}
