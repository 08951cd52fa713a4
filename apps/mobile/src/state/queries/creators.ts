import { useQuery } from '@tanstack/react-query';
import { useClients } from '../../lib/clients-context';

export const creatorsKey = () => ['creators'] as const;

/** A first page of creators to discover when the feed is empty. */
export function useCreators(enabled = true) {
  const { api } = useClients();
  return useQuery({
    queryKey: creatorsKey(),
    queryFn: () => api.creators({ limit: 20 }),
    enabled,
  });
}
