import type { DeviceSchema } from '@ipelya/contracts';
import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import { useClients } from '../../lib/clients-context';

export type Device = z.infer<typeof DeviceSchema>;

export const devicesKey = () => ['devices'] as const;

/**
 * The caller's registered devices, used to name the device behind each session. The API client has
 * no typed method for GET /api/devices yet, so this goes through its generic request.
 */
export function useDevices() {
  const { api } = useClients();
  return useQuery({
    queryKey: devicesKey(),
    queryFn: () => api.request<{ items: Device[] }>('GET', '/api/devices'),
  });
}
