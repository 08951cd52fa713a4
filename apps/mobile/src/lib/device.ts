import type { PlatformSchema } from '@ipelya/contracts';
import * as Crypto from 'expo-crypto';
import { Platform } from 'react-native';
import type { z } from 'zod';
import { secureStorage } from './secure-storage';
import type { KeyValueStorage } from './storage-types';

export type AppPlatform = z.infer<typeof PlatformSchema>;

const INSTALL_ID_KEY = 'ipelya.install-id';

export function currentPlatform(): AppPlatform {
  return Platform.OS === 'ios' || Platform.OS === 'android' ? Platform.OS : 'web';
}

let cached: Promise<string> | null = null;

/** A random id made once per install and kept in the secure store; the server binds sessions to it. */
export function getInstallId(storage: KeyValueStorage = secureStorage): Promise<string> {
  cached ??= (async () => {
    const existing = await storage.getItem(INSTALL_ID_KEY);
    if (existing && existing.length >= 8) return existing;
    const id = Crypto.randomUUID();
    await storage.setItem(INSTALL_ID_KEY, id);
    return id;
  })().catch((err: unknown) => {
    cached = null; // let a later call retry instead of caching the failure
    throw err;
  });
  return cached;
}
