import { useQuery } from '@tanstack/react-query';
import { useClients } from '../../lib/clients-context';

export const creatorTiersKey = (creatorId: string) => ['creator', creatorId, 'tiers'] as const;

/** A creator's subscription tiers (public). */
export function useCreatorTiers(creatorId: string | undefined) {
  const { api } = useClients();
  return useQuery({
    queryKey: creatorTiersKey(creatorId ?? ''),
    queryFn: () => api.creatorTiers(creatorId ?? ''),
    enabled: !!creatorId,
  });
}
