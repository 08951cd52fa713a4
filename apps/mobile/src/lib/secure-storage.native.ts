import * as SecureStore from 'expo-secure-store';
import type { KeyValueStorage } from './storage-types';

// SecureStore may reject values over ~2 KB, and a Supabase session is larger, so long values are
// split into numbered chunks with a small manifest under the original key.
const CHUNK_SIZE = 1800;
const MANIFEST_PREFIX = '__chunks__:';

/** SecureStore keys may only hold [A-Za-z0-9._-]. */
function safeKey(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function removeChunks(key: string): Promise<void> {
  const head = await SecureStore.getItemAsync(key);
  if (head?.startsWith(MANIFEST_PREFIX)) {
    const count = Number(head.slice(MANIFEST_PREFIX.length));
    for (let i = 0; i < count; i++) await SecureStore.deleteItemAsync(`${key}.${i}`);
  }
}

export const secureStorage: KeyValueStorage = {
  async getItem(rawKey) {
    const key = safeKey(rawKey);
    const head = await SecureStore.getItemAsync(key);
    if (head === null || !head.startsWith(MANIFEST_PREFIX)) return head;
    const count = Number(head.slice(MANIFEST_PREFIX.length));
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const part = await SecureStore.getItemAsync(`${key}.${i}`);
      if (part === null) return null; // a torn write: treat as absent rather than return garbage
      parts.push(part);
    }
    return parts.join('');
  },
  async setItem(rawKey, value) {
    const key = safeKey(rawKey);
    await removeChunks(key);
    if (value.length <= CHUNK_SIZE) {
      await SecureStore.setItemAsync(key, value);
      return;
    }
    const count = Math.ceil(value.length / CHUNK_SIZE);
    for (let i = 0; i < count; i++) {
      await SecureStore.setItemAsync(`${key}.${i}`, value.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE));
    }
    await SecureStore.setItemAsync(key, `${MANIFEST_PREFIX}${count}`);
  },
  async removeItem(rawKey) {
    const key = safeKey(rawKey);
    await removeChunks(key);
    await SecureStore.deleteItemAsync(key);
  },
};
