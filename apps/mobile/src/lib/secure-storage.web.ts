import type { KeyValueStorage } from './storage-types';

// Browsers have no keychain; localStorage is what supabase-js uses on the web by default. A memory
// map covers environments without it (private modes that throw, static rendering).
const memory = new Map<string, string>();

function local(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export const secureStorage: KeyValueStorage = {
  async getItem(key) {
    const ls = local();
    return ls ? ls.getItem(key) : (memory.get(key) ?? null);
  },
  async setItem(key, value) {
    const ls = local();
    if (ls) ls.setItem(key, value);
    else memory.set(key, value);
  },
  async removeItem(key) {
    const ls = local();
    if (ls) ls.removeItem(key);
    else memory.delete(key);
  },
};
