// The main thread's handle on the key boundary: starts the key worker and turns its messages into promises.
// The worker runs an esbuild bundle of key-worker.ts (worker threads do not inherit tsx's hooks on Node 20).
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundleWorkerScript } from 'sts-cli-kit';
import type { DecodeRequestResult, TokenRequestResult } from 'sts-token';
import type { KeyStore, VendItem } from './key-store.ts';
import type { KeyReply, KeyRequest } from './key-worker.ts';
import type { ChunkReply, ChunkRequest } from './vend-chunk.ts';

function workerScript(): Promise<string> {
  const entry = `import { serveKeys } from ${JSON.stringify(fileURLToPath(new URL('./key-worker.ts', import.meta.url)))};\nserveKeys();\n`;
  return bundleWorkerScript(entry, new URL('.', import.meta.url));
}

export class KeyBoundary {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;
  #dead: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (r: KeyReply) => {
      const p = this.#pending.get(r.id);
      if (p === undefined) return;
      this.#pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(new Error(`key boundary: ${r.error ?? 'error'}`));
    });
    const fail = (e: Error): void => {
      this.#dead = e;
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    worker.on('error', () => fail(new Error('key boundary: worker failed')));
    worker.on('exit', () => fail(new Error('key boundary: worker stopped')));
  }

  /** Start the worker and have it read the master key and the service key of `dataDir`. */
  static async start(dataDir: string): Promise<KeyBoundary> {
    const b = new KeyBoundary(new Worker(await workerScript(), { eval: true }));
    await b.#call({ op: 'init', dataDir });
    return b;
  }

  #call(request: KeyRequest): Promise<unknown> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, request });
    });
  }

  openBundle(args: Parameters<KeyStore['openBundle']>[0]): Promise<ReturnType<KeyStore['openBundle']>> {
    return this.#call({ op: 'openBundle', args }) as Promise<ReturnType<KeyStore['openBundle']>>;
  }
  load(tenant: string, ref: string, sealed: Uint8Array): Promise<boolean> {
    return this.#call({ op: 'load', tenant, ref, sealed }) as Promise<boolean>;
  }
  unload(tenant: string, ref: string): Promise<unknown> {
    return this.#call({ op: 'unload', tenant, ref });
  }
  vend(tenant: string, items: VendItem[]): Promise<TokenRequestResult[]> {
    return this.#call({ op: 'vend', tenant, items }) as Promise<TokenRequestResult[]>;
  }
  /** A chunk of batch lines read, given TIDs and vended in the worker (see vend-chunk.ts). */
  vendChunk(chunk: ChunkRequest): Promise<ChunkReply> {
    return this.#call({ op: 'vendChunk', chunk }) as Promise<ChunkReply>;
  }
  decode(tenant: string, ref: string, token: string, drn: string): Promise<DecodeRequestResult> {
    return this.#call({ op: 'decode', tenant, ref, token, drn }) as Promise<DecodeRequestResult>;
  }
  unsealSecret(key: string, sealed: Uint8Array): Promise<string | undefined> {
    return this.#call({ op: 'unsealSecret', key, sealed }) as Promise<string | undefined>;
  }

  /** Wipe every key in the worker and stop it. */
  async close(): Promise<void> {
    if (this.#dead === undefined) {
      await this.#call({ op: 'destroy' }).catch(() => undefined);
      await this.#worker.terminate();
    }
  }
}
