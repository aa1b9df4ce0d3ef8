// The key store opened in this process, for the offline commands (credentials, configs import);
// `serve` runs the same KeyStore in its worker thread instead.
import { readMasterKey, readServiceKeyPem } from '../data-dir.ts';
import { KeyStore } from '../keys/key-store.ts';

export { openStore } from '../store/open-store.ts';

export function openKeyStore(dir: string): KeyStore {
  const master = readMasterKey(dir);
  const pem = readServiceKeyPem(dir);
  try {
    return new KeyStore(master, pem);
  } finally {
    master.fill(0);
    pem.fill(0);
  }
}
