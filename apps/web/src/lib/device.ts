const INSTALL_ID_KEY = 'ipelya-install-id';

/** A random id per browser profile, so the server can bind sessions to this "device". */
export function getInstallId(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined): string {
  const existing = storage?.getItem(INSTALL_ID_KEY);
  if (existing && existing.length >= 8) return existing;
  const id = `web-${crypto.randomUUID()}`;
  storage?.setItem(INSTALL_ID_KEY, id);
  return id;
}
