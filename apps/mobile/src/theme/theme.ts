import type { Persona } from '@ipelya/contracts';
import { useSessionStore } from '../state/session-store';

export type Theme = {
  persona: Persona;
  background: string;
  surface: string;
  text: string;
  muted: string;
  border: string;
  primary: string;
  primaryText: string;
  headerBackground: string;
  badgeBackground: string;
  badgeText: string;
  danger: string;
};

// Two deliberately opposite looks: warm and light for the real persona, near-black violet for the
// shadow one, so nobody posts as the wrong persona by accident.
export const themes: Record<Persona, Theme> = {
  real: {
    persona: 'real',
    background: '#fdf8f3',
    surface: '#ffffff',
    text: '#1f1a17',
    muted: '#6b625c',
    border: '#eaded3',
    primary: '#c2410c',
    primaryText: '#ffffff',
    headerBackground: '#fff1e6',
    badgeBackground: '#c2410c',
    badgeText: '#ffffff',
    danger: '#b91c1c',
  },
  shadow: {
    persona: 'shadow',
    background: '#0c0716',
    surface: '#171026',
    text: '#efeaff',
    muted: '#a99bd0',
    border: '#2f2548',
    primary: '#8b5cf6',
    primaryText: '#ffffff',
    headerBackground: '#1a0f30',
    badgeBackground: '#e9ddff',
    badgeText: '#2e1065',
    danger: '#fb7185',
  },
};

export function useTheme(): Theme {
  return themes[useSessionStore((s) => s.persona)];
}
