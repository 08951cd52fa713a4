import { queryKeys } from '@ipelya/api-client';
import { useQuery } from '@tanstack/react-query';
import { useClients } from '../lib/clients-context';

/** A creator's subscription tiers (public). */
export function useCreatorTiers(creatorId: string | undefined) {
  const { api } = useClients();
  return useQuery({
    queryKey: queryKeys.creatorTiers(creatorId ?? ''),
    queryFn: () => api.creatorTiers(creatorId ?? ''),
    enabled: !!creatorId,
  });
}
