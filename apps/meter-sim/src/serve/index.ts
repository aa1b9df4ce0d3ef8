// `sts-meter serve --state FILE --port N [--host H] [--verbose]`: one meter behind an HTTP API and a web keypad.
// Loaded lazily by cli.ts; the server is server.ts, durability is commit-queue.ts.

import type { AddressInfo } from 'node:net';
import { EXIT_IO, EXIT_OK, fail, parse, parseCount, required, str } from '../cli.ts';
import { loadMeter, StateFileError, saveMeter } from '../state-file.ts';
import { createMeterServer, type MeterServer } from './server.ts';

export { CommitQueue, PersistError } from './commit-queue.ts';
export { createMeterServer, errorBody, MAX_BODY_BYTES, type MeterServer, parseTokenBody } from './server.ts';

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Run `serve` until SIGINT or SIGTERM; resolves with the exit code once every answered token is on disk
 * and every connection is closed. Prints one line when listening: `listening on http://HOST:PORT/`.
 */
export async function runServe(
  args: readonly string[],
  out: (s: string) => void = (s) => console.log(s),
): Promise<number> {
  const { values } = parse(args, {
    state: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    verbose: { type: 'boolean' },
  });
  const statePath = required(values, 'state');
  const port = parseCount(required(values, 'port'), 'port', 0, 65_535)!;
  const host = str(values, 'host') ?? '127.0.0.1';
  const reload = async () => loadMeter(statePath);
  let meter: Awaited<ReturnType<typeof reload>>;
  try {
    meter = await reload();
    // Write once before listening: a read-only file or directory fails now, not on the first token.
    await saveMeter(statePath, meter);
  } catch (e) {
    if (e instanceof StateFileError) fail(e.message, /cannot write/.test(e.message) ? EXIT_IO : undefined);
    throw e;
  }
  const verbose = values.verbose === true;
  const ms = createMeterServer({
    meter,
    persist: (m) => saveMeter(statePath, m),
    reload,
    ...(verbose && { log: (line: string) => process.stderr.write(`${line}\n`) }),
    ...(LOOPBACK_HOSTS.includes(host) || host === '::1' ? { allowedHosts: LOOPBACK_HOSTS } : {}),
  });
  try {
    await listen(ms, port, host);
  } catch (e) {
    ms.queue.meter.destroy();
    const code = (e as NodeJS.ErrnoException).code;
    fail(`cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'address in use' : (code ?? 'error')}`);
  }
  const addr = ms.server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const view = ms.queue.meter;
  out(
    `sts-meter: meter ${view.drn} (KCV ${view.kcv}, ${view.kcvMethod}) listening on http://${shown}:${addr.port}/`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await ms.close();
  ms.queue.meter.destroy();
  out('sts-meter: stopped; state saved');
  return EXIT_OK;
}

function listen(ms: MeterServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    ms.server.once('error', reject);
    ms.server.listen(port, host, () => {
      ms.server.off('error', reject);
      resolve();
    });
  });
}
