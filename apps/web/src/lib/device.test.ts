import { describe, expect, it } from 'vitest';
import { getInstallId } from './device.ts';

describe('getInstallId', () => {
  it('creates an id once and then reuses it', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    };
    const first = getInstallId(storage);
    expect(first).toMatch(/^web-[0-9a-f-]{36}$/);
    expect(getInstallId(storage)).toBe(first);
  });
  it('still returns an id without storage (server render)', () => {
    expect(getInstallId(undefined).length).toBeGreaterThanOrEqual(8);
  });
});
