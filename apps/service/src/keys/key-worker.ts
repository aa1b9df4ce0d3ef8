// The key boundary's thread: a worker that owns the KeyStore; the main thread sends it requests and
// gets tokens, decodes and KCVs back. No message it sends carries key bytes (only API secrets, for HMAC).
import { parentPort } from 'node:worker_threads';
import { readMasterKey, readServiceKeyPem } from '../data-dir.ts';
import { KeyStore, type VendItem } from './key-store.ts';
import { type ChunkRequest, vendChunk } from './vend-chunk.ts';

export type KeyRequest =
  | { op: 'init'; dataDir: string }
  | { op: 'openBundle'; args: Parameters<KeyStore['openBundle']>[0] }
  | { op: 'load'; tenant: string; ref: string; sealed: Uint8Array }
  | { op: 'unload'; tenant: string; ref: string }
  | { op: 'vend'; tenant: string; items: VendItem[] }
  | { op: 'vendChunk'; chunk: ChunkRequest }
  | { op: 'decode'; tenant: string; ref: string; token: string; drn: string }
  | { op: 'unsealSecret'; key: string; sealed: Uint8Array }
  | { op: 'destroy' };

export interface KeyReply {
  id: number;
  ok: boolean;
  value?: unknown;
  /** An internal failure: its class name only (a message could quote input). */
  error?: string;
}

let store: KeyStore | undefined;

async function init(dataDir: string): Promise<boolean> {
  const master = await readMasterKey(dataDir);
  const pem = await readServiceKeyPem(dataDir);
  try {
    store = new KeyStore(master, pem);
  } finally {
    master.fill(0);
    pem.fill(0);
  }
  return true;
}

function handle(m: KeyRequest): unknown {
  if (m.op === 'init') {
    return init(m.dataDir);
  }
  if (store === undefined) throw new Error('key store not initialised');
  switch (m.op) {
    case 'openBundle':
      return store.openBundle(m.args);
    case 'load':
      return store.load(m.tenant, m.ref, m.sealed);
    case 'unload':
      store.unload(m.tenant, m.ref);
      return true;
    case 'vend':
      return store.vend(m.tenant, m.items);
    case 'vendChunk':
      return vendChunk(store, m.chunk);
    case 'decode':
      return store.decode(m.tenant, m.ref, m.token, m.drn);
    case 'unsealSecret':
      return store.unsealSecret(m.key, m.sealed);
    case 'destroy':
      store.destroy();
      store = undefined;
      return true;
  }
}

export function serveKeys(): void {
  const port = parentPort;
  if (port === null) return;
  port.on('message', async (msg: { id: number; request: KeyRequest }) => {
    let reply: KeyReply;
    try {
      const value = handle(msg.request);
      reply = { id: msg.id, ok: true, value: value instanceof Promise ? await value : value };
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      reply = {
        id: msg.id,
        ok: false,
        error: typeof code === 'string' ? code : ((e as Error)?.name ?? 'Error'),
      };
    }
    port.postMessage(reply);
    if (msg.request.op === 'destroy') port.close();
  });
}
