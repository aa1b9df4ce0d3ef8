// The key store opened in this process, for the offline commands (credentials, configs import);
// `serve` runs the same KeyStore in its worker thread instead.
import { checkDataDir, dataFile, readMasterKey, readServiceKeyPem } from '../data-dir.ts';
import { KeyStore } from '../keys/key-store.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.ts';

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

export function openStore(dir: string): SqliteStore {
  checkDataDir(dir);
  return openSqliteStore(dataFile(dir, 'database'));
}
