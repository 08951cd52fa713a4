import type { AuthSession, Persona } from '@ipelya/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useClients } from '../../lib/clients-context';
import { useSessionStore } from '../session-store';

export const meKey = () => ['me'] as const;

/** The signed-in user's own view; also keeps the store's persona in step with the server. */
export function useMe() {
  const { api } = useClients();
  const setPersona = useSessionStore((s) => s.setPersona);
  const query = useQuery({ queryKey: meKey(), queryFn: () => api.me() });
  const persona = query.data?.persona;
  useEffect(() => {
    if (persona) setPersona(persona);
  }, [persona, setPersona]);
  return query;
}

/**
 * Switches persona: the server answers with a session for the other persona, which supabase-js
 * adopts. Setting the persona swaps the whole query cache (PersonaQueryScope).
 */
export function useSwitchPersona() {
  const { api, supabase } = useClients();
  const setPersona = useSessionStore((s) => s.setPersona);
  return useMutation({
    mutationFn: async (persona: Persona) => {
      // The contract types the answer as a session, but with Supabase Auth (production) the server
      // answers { refresh_required: true } and the claims hook applies the persona on refresh.
      const answer = (await api.switchPersona(persona)) as AuthSession | { refresh_required: true };
      const { error } =
        'refresh_required' in answer
          ? await supabase.auth.refreshSession()
          : await supabase.auth.setSession({
              access_token: answer.access_token,
              refresh_token: answer.refresh_token,
            });
      if (error) throw error;
      return persona;
    },
    onSuccess: (persona) => setPersona(persona),
  });
}
