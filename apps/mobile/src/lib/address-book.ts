import { Contact, ContactField, requestPermissionsAsync } from 'expo-contacts';
import { getLocales } from 'expo-localization';

export type AddressBook = { phones: string[]; emails: string[] };
export type AddressBookResult =
  | { status: 'granted'; book: AddressBook }
  | { status: 'denied' | 'unavailable' };

/** Region for numbers saved without a country code ("0532…"); undefined when the device does not say. */
export function deviceRegion(): string | undefined {
  try {
    const region = getLocales()[0]?.regionCode;
    return region && /^[A-Z]{2}$/.test(region) ? region : undefined;
  } catch {
    return undefined;
  }
}

/** Asks for contacts permission and reads only phone numbers and email addresses, nothing else. */
export async function readAddressBook(): Promise<AddressBookResult> {
  const permission = await requestPermissionsAsync();
  if (!permission.granted) return { status: 'denied' };
  const contacts = await Contact.getAllDetails([ContactField.PHONES, ContactField.EMAILS] as const);
  const phones: string[] = [];
  const emails: string[] = [];
  for (const contact of contacts) {
    for (const phone of contact.phones ?? []) if (phone.number) phones.push(phone.number);
    for (const email of contact.emails ?? []) if (email.address) emails.push(email.address);
  }
  return { status: 'granted', book: { phones, emails } };
}
