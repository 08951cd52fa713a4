import type { Device } from '@ipelya/api-client';
import { useQuery } from '@tanstack/react-query';
import { useClients } from '../../lib/clients-context';

export type { Device };

export const devicesKey = () => ['devices'] as const;

/** The caller's registered devices, used to name the device behind each session. */
export function useDevices() {
  const { api } = useClients();
  return useQuery({
    queryKey: devicesKey(),
    queryFn: () => api.devices(),
  });
}
