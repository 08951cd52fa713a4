import type { ApiClient } from '@ipelya/api-client';
import {
  type ContactsStatus,
  hashContacts,
  MAX_CONTACT_HASHES,
  MAX_CONTACT_HASHES_PER_UPLOAD,
} from '@ipelya/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type AddressBook, deviceRegion, readAddressBook } from '../../lib/address-book';
import { useClients } from '../../lib/clients-context';

export const contactsKey = () => ['contacts'] as const;

type Country = Parameters<typeof hashContacts>[2];

/** Why an opt-in stopped before anything was uploaded. */
export class ContactsSyncError extends Error {
  constructor(readonly reason: 'denied' | 'unavailable' | 'empty') {
    super(reason);
    this.name = 'ContactsSyncError';
  }
}

export function useContactsStatus() {
  const { api } = useClients();
  return useQuery({ queryKey: contactsKey(), queryFn: () => api.contactsStatus() });
}

/**
 * Hashes the address book on the device and uploads only the keyed hashes, in chunks the server accepts;
 * the first chunk replaces whatever was stored, so a re-sync also forgets removed contacts.
 */
export async function uploadAddressBook(
  api: Pick<ApiClient, 'uploadContacts'>,
  hashKey: string,
  book: AddressBook,
  country: string | undefined,
): Promise<ContactsStatus> {
  const hashes = hashContacts(hashKey, book, country as Country).slice(0, MAX_CONTACT_HASHES);
  if (hashes.length === 0) throw new ContactsSyncError('empty');
  let status: ContactsStatus | null = null;
  for (let start = 0; start < hashes.length; start += MAX_CONTACT_HASHES_PER_UPLOAD) {
    status = await api.uploadContacts({
      hashes: hashes.slice(start, start + MAX_CONTACT_HASHES_PER_UPLOAD),
      replace: start === 0,
    });
  }
  return status!;
}

export function useSyncContacts() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (hashKey: string) => {
      const read = await readAddressBook();
      if (read.status !== 'granted') throw new ContactsSyncError(read.status);
      return uploadAddressBook(api, hashKey, read.book, deviceRegion());
    },
    onSuccess: (status) => queryClient.setQueryData(contactsKey(), status),
  });
}

export function useDeleteContacts() {
  const { api } = useClients();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.deleteContacts(),
    onSuccess: (status) => queryClient.setQueryData(contactsKey(), status),
    onError: () => queryClient.invalidateQueries({ queryKey: contactsKey() }),
  });
}
