import { ApiClientError } from '@ipelya/api-client';
import type { ShadowState } from '@ipelya/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TranslationKey } from '../../i18n/types';
import { forgetLocalSession } from '../../lib/clients';
import { useClients } from '../../lib/clients-context';
import { useSessionStore } from '../session-store';

export const shadowStateKey = ['personas', 'shadow'] as const;

/** Whether the account's shadow persona is on (active), off, or closed by moderation. */
export function useShadowState() {
  const { api } = useClients();
  return useQuery({ queryKey: shadowStateKey, queryFn: () => api.shadowState() });
}

/**
 * Switches the shadow persona off or on. Off, from a session that is in the shadow, moves this session
 * to the real persona: the server answers fresh tokens (embedded auth, installed like a persona switch)
 * or `refresh_required` (Supabase Auth, whose claims hook applies the persona on refresh). A new persona
 * swaps the whole query cache (PersonaQueryScope); otherwise everything cached is read again, as what
 * the shadow can see and be seen by has changed.
 */
export function useSetShadowActive() {
  const { api, supabase } = useClients();
  const queryClient = useQueryClient();
  const setPersona = useSessionStore((s) => s.setPersona);
  return useMutation({
    mutationFn: async (active: boolean): Promise<ShadowState> => {
      const answer = active ? await api.shadowOn() : await api.shadowOff();
      if (answer.session) {
        const { error } = await supabase.auth.setSession({
          access_token: answer.session.access_token,
          refresh_token: answer.session.refresh_token,
        });
        if (error) throw error;
      } else if (answer.refresh_required) {
        const { error } = await supabase.auth.refreshSession();
        if (error) throw error;
      }
      return answer;
    },
    onSuccess: async (answer) => {
      queryClient.setQueryData(shadowStateKey, answer);
      setPersona(answer.persona);
      await queryClient.invalidateQueries({
        predicate: (query) => query.queryKey[0] !== shadowStateKey[0],
      });
    },
    // The server may have switched even when installing the new session failed: ask it again.
    onError: () => queryClient.invalidateQueries({ queryKey: shadowStateKey }),
  });
}

/** Refusals of account deletion while money is still moving (409), each with its own explanation. */
const DELETE_REFUSALS: Record<string, TranslationKey> = {
  payout_in_flight: 'deleteAccount.error.payout_in_flight',
  earnings_pending: 'deleteAccount.error.earnings_pending',
  earnings_unpaid: 'deleteAccount.error.earnings_unpaid',
  purchase_in_flight: 'deleteAccount.error.purchase_in_flight',
};

/** The message for a refused deletion, or null for any other failure. */
export function deleteRefusal(error: unknown): TranslationKey | null {
  if (!(error instanceof ApiClientError) || error.status !== 409) return null;
  return DELETE_REFUSALS[error.code] ?? null;
}

/**
 * Deletes the account for good, then forgets this device's session (the server has already revoked
 * every token); the signed-out guard takes the app to sign-in. A refusal leaves the user signed in.
 */
export function useDeleteAccount() {
  const { api, supabase } = useClients();
  return useMutation({
    mutationFn: async () => {
      await api.deleteAccount();
      await forgetLocalSession(supabase);
    },
  });
}
