// The key store opened in this process, for the offline commands (credentials, configs import);
// `serve` runs the same KeyStore in its worker thread instead.
import { readMasterKey, readServiceKeyPem } from '../data-dir.ts';
import { KeyStore } from '../keys/key-store.ts';

export { openStore } from '../store/open-store.ts';

export async function openKeyStore(dir: string): Promise<KeyStore> {
  const master = await readMasterKey(dir);
  const pem = await readServiceKeyPem(dir);
  try {
    return new KeyStore(master, pem);
  } finally {
    master.fill(0);
    pem.fill(0);
  }
}
