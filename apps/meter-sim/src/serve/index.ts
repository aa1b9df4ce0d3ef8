// `sts-meter serve --state FILE --port N [--host H] [--verbose]`: one meter behind an HTTP API and a web keypad.
// Loaded lazily by cli.ts; the server is server.ts, durability is commit-queue.ts.

import type { AddressInfo } from 'node:net';
import { CliError, EXIT, flag, integerOption, requiredOption, stringOption, warn } from 'sts-cli-kit';
import { APP, parse } from '../cli.ts';
import { loadMeter, lockStateFile, saveMeter } from '../state-file.ts';
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
  const p = parse('serve', args, {
    state: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    verbose: { type: 'boolean' },
  });
  const statePath = requiredOption(p, 'state');
  requiredOption(p, 'port');
  const port = integerOption(p, 'port', { min: 0, max: 65_535 })!;
  const host = stringOption(p, 'host') ?? '127.0.0.1';
  const loopback = LOOPBACK_HOSTS.includes(host) || host === '::1';
  if (!loopback)
    warn(
      APP,
      `--host ${host}: the Host check is off (it is on only for 127.0.0.1, localhost and ::1), and the API has no authentication and no TLS: anyone who can reach this address can enter tokens`,
    );
  // The lock is held for the life of the server: an `enter` on the same file meanwhile is refused
  // (exit 3) instead of accepting a token against a state the server is about to overwrite.
  const lock = await lockStateFile(statePath);
  const reload = async () => loadMeter(statePath);
  const meter = await reload();
  // Write once before listening: a read-only file or directory fails now, not on the first token.
  await saveMeter(statePath, meter);
  const verbose = flag(p, 'verbose');
  const ms = createMeterServer({
    meter,
    persist: (m) => saveMeter(statePath, m),
    reload,
    ...(verbose && { log: (line: string) => process.stderr.write(`${line}\n`) }),
    ...(loopback ? { allowedHosts: LOOPBACK_HOSTS } : {}),
  });
  try {
    await listen(ms, port, host);
  } catch (e) {
    ms.queue.meter.destroy();
    lock.release();
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'address in use' : (code ?? 'error');
    throw new CliError('cannot-listen', `cannot listen on ${host}:${port}: ${reason}`, EXIT.usage);
  }
  // The stop handlers are in place before the line that says the server is up: whoever waits for that
  // line may send SIGTERM the moment it arrives.
  // They stay registered while the server drains: tsx's loader re-raises a signal that finds no other
  // listener, which would kill the process before the state is saved.
  const stopped = new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  const addr = ms.server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const view = ms.queue.meter;
  out(
    `sts-meter: meter ${view.drn} (KCV ${view.kcv}, ${view.kcvMethod}) listening on http://${shown}:${addr.port}/`,
  );
  await stopped;
  await ms.close();
  ms.queue.meter.destroy();
  lock.release();
  out('sts-meter: stopped; state saved');
  return EXIT.ok;
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
