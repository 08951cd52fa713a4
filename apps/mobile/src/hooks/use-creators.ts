import { queryKeys } from '@ipelya/api-client';
import { useQuery } from '@tanstack/react-query';
import { useClients } from '../lib/clients-context';

/** A first page of creators to discover when the feed is empty. */
export function useCreators(enabled = true) {
  const { api } = useClients();
  return useQuery({
    queryKey: queryKeys.creators(),
    queryFn: () => api.creators({ limit: 20 }),
    enabled,
  });
}
