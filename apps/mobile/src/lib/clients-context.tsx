import { createContext, useContext } from 'react';
import type { Clients } from './clients';

export const ClientsContext = createContext<Clients | null>(null);

export function useClients(): Clients {
  const clients = useContext(ClientsContext);
  if (!clients) throw new Error('useClients must be used inside the app bootstrap');
  return clients;
}
