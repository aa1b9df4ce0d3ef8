// The batch workers, seen from the main thread: start them, hand each a piece of input, pass the answers
// back with their sequence numbers. Each worker has its own copy of the libraries and its own key cache.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundleWorkerScript } from 'sts-cli-kit';
import { CLOSE, type PieceJob, type PieceOutput, type WorkerReply } from './batch-worker.ts';

/** Which answerer the workers build: `factory`, exported by the module at `module` (a file URL). */
export interface WorkerSetup {
  module: string;
  factory: string;
}

/** What a pool tells the batch loop. */
export interface PoolEvents {
  /** A worker has loaded and takes pieces. */
  ready(): void;
  /** The answer to piece `seq`; answers come in any order. */
  answer(seq: number, answer: PieceOutput): void;
  /** A worker failed: an error thrown while answering, or a worker that died. */
  error(error: Error): void;
  /** The workers could not be started (their code did not build); the batch carries on without them. */
  unavailable(error: Error): void;
}

/** Pieces a worker holds at once: one it answers, one waiting, so it never idles between messages. */
const PIECES_PER_WORKER = 2;

/**
 * Heap limits of a worker. Its live data is small (a key cache of a few MB, one piece and its answer);
 * without a cap V8 lets garbage pile up to hundreds of MB before a full collection.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

/**
 * The workers' code: the worker loop and the answerer's module graph (sts-token, sts-crypto, …) bundled
 * into one CommonJS script by esbuild, the compiler tsx itself runs on. Worker threads do not inherit
 * the launcher's tsx hooks on Node 20, and loading tsx in each worker costs a loader thread, ~1 s of CPU
 * and ~30 MB per worker; the bundle loads in a few ms. Built without esbuild's keepNames (which tsx
 * turns on): no `__name()` wrapper on the functions the hot loop creates.
 */
function workerScript(setup: WorkerSetup): Promise<string> {
  const entry =
    `import { serveBatch } from ${JSON.stringify(fileURLToPath(new URL('./batch-worker.ts', import.meta.url)))};\n` +
    `import { ${setup.factory} as create } from ${JSON.stringify(fileURLToPath(setup.module))};\n` +
    'serveBatch(create);\n';
  return bundleWorkerScript(entry, new URL('.', import.meta.url));
}

interface Slot {
  worker: Worker;
  ready: boolean;
  pieces: number;
}

export class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #events: PoolEvents;
  #closing = false;
  readonly #started: Promise<void>;

  /** Start `size` workers (in the background); `events` hears of each that loads, each answer, each failure. */
  constructor(size: number, setup: WorkerSetup, events: PoolEvents) {
    this.#events = events;
    this.#started = workerScript(setup).then(
      (script) => {
        if (!this.#closing) for (let i = 0; i < size; i++) this.#startWorker(script);
      },
      (error: unknown) => events.unavailable(error instanceof Error ? error : new Error(String(error))),
    );
  }

  #startWorker(script: string): void {
    const worker = new Worker(script, { eval: true, resourceLimits: WORKER_LIMITS });
    const slot: Slot = { worker, ready: false, pieces: 0 };
    worker.on('message', (reply: WorkerReply) => this.#receive(slot, reply));
    worker.on('error', (error: Error) => this.#events.error(error));
    worker.on('exit', (code) => {
      if (!this.#closing) this.#events.error(new Error(`a batch worker stopped (exit code ${code})`));
    });
    this.#slots.push(slot);
  }

  /** Whether any worker has loaded. */
  get ready(): boolean {
    return this.#slots.some((s) => s.ready);
  }

  /** Hand `job` to the loaded worker holding fewest pieces; false when all are full (or none loaded). */
  submit(job: PieceJob): boolean {
    let best: Slot | undefined;
    for (const slot of this.#slots) {
      if (slot.ready && slot.pieces < PIECES_PER_WORKER && (best === undefined || slot.pieces < best.pieces))
        best = slot;
    }
    if (best === undefined) return false;
    best.pieces++;
    // The bytes are the job's own buffer: moved to the worker, not copied.
    best.worker.postMessage(job, [job.bytes.buffer as ArrayBuffer]);
    return true;
  }

  /** Let every worker wipe its keys and end; stop them at once instead when `now` (an error, a closed output). */
  async close(now = false): Promise<void> {
    this.#closing = true;
    await this.#started;
    await Promise.all(
      this.#slots.map(async ({ worker }) => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        if (now) await worker.terminate();
        else worker.postMessage(CLOSE);
        await exited;
      }),
    );
  }

  #receive(slot: Slot, reply: WorkerReply): void {
    if (reply.kind === 'ready') {
      slot.ready = true;
      this.#events.ready();
      return;
    }
    slot.pieces--;
    if (reply.kind === 'answer') this.#events.answer(reply.seq, reply.answer);
    else {
      const error = new Error(reply.message);
      error.name = reply.name;
      this.#events.error(error);
    }
  }
}
