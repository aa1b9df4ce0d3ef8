// WAL checkpoints on a thread of their own. SQLite's automatic checkpoint runs inside the commit that
// crosses its threshold: the copy into the database file and its fsyncs then stall the event loop,
// and cost the serving thread more than a third of each token request. Here a second connection
// copies the WAL back every interval (PASSIVE: writers never wait for it) while the server commits.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** WAL frames (pages) past which the WAL is started over: 16 384 pages of 4 KiB, 64 MiB. */
const RESTART_FRAMES = 16_384;

// Plain CommonJS: worker threads do not inherit tsx's loader, and this needs nothing of ours.
const script = (driver: string): string => `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(${JSON.stringify(driver)});
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const run = () => {
  const [r] = db.pragma('wal_checkpoint(PASSIVE)');
  // Under steady writing a passive checkpoint never finds the WAL all copied, so it is never started
  // over and grows with the work. Past the limit, RESTART waits for the writer's current transaction,
  // copies the few frames left and has the next writer start the WAL from its beginning.
  if (r.log > workerData.restartFrames) db.pragma('wal_checkpoint(RESTART)');
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { run(); } finally { db.close(); parentPort.close(); }
});
`;

export class Checkpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  #stopping = false;

  /** Start checkpointing `file` every `intervalMs`; `onFailure` is called if the thread dies. */
  constructor(file: string, onFailure: () => void, intervalMs = 100) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(script(driver), {
      eval: true,
      workerData: { file, intervalMs, restartFrames: RESTART_FRAMES },
    });
    this.#worker.unref();
    this.#worker.on('error', () => {});
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        if (!this.#stopping) onFailure();
        resolve();
      }),
    );
  }

  /** A last checkpoint, then the thread ends. */
  async stop(): Promise<void> {
    this.#stopping = true;
    // Held open until the thread has made its last checkpoint and closed its connection.
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await this.#exited;
  }
}
