// sts-service serve: the REST API on node:http over the data folder; SIGTERM drains and exits 0.
// The first stdout line is the URL, so that a script (or a test) can read the port that was picked.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { CliError, EXIT, usageError } from 'sts-cli-kit';
import { createContext } from '../context.ts';
import { dataFile, fingerprint } from '../data-dir.ts';
import { createApiServer } from '../http/server.ts';
import { KeyBoundary } from '../keys/key-boundary.ts';
import { openStore } from '../store/open-store.ts';
import { optional, parseOptions, required } from './args.ts';
import type { Out } from './commands.ts';

const DRAIN_MS = 30_000;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function serveCommand(argv: string[], out: Out): Promise<number> {
  const v = parseOptions(
    argv,
    {
      data: { type: 'string' },
      database: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
    },
    'sts-service serve --help',
  );
  const dir = required(v, 'data');
  const host = optional(v, 'host') ?? '127.0.0.1';
  const portText = optional(v, 'port') ?? '8080';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
    throw usageError(`--port must be a whole number from 0 to 65535, got '${portText.slice(0, 20)}'`);
  const store = await openStore(dir, optional(v, 'database'), true);
  const pub = readFileSync(dataFile(dir, 'servicePub'), 'utf8');
  const info = { servicePub: pub, fingerprint: fingerprint(createPublicKey(pub)) };
  let keys: KeyBoundary;
  try {
    keys = await KeyBoundary.start(dir);
  } catch (e) {
    await store.close();
    throw e;
  }
  const ctx = createContext(store, keys);
  const server = createApiServer(ctx, info, (line) => out.warn(line));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(portText), host, () => resolve());
    });
  } catch (e) {
    await keys.close();
    await store.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError('cannot-listen', `cannot listen on ${host}:${portText}: ${code ?? 'error'}`, EXIT.io);
  }
  const a = server.address() as AddressInfo;
  const shownHost = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  const url = `http://${shownHost}:${a.port}`;
  if (!isLoopback(host))
    out.warn(`binding ${host}: the API is reachable from other machines; put a TLS proxy in front of it`);
  // The stop handlers are in place before the line that says the server is up (whoever waits for it
  // may send SIGTERM at once), and stay registered while it drains: tsx's loader re-raises a signal
  // that finds no other listener, which would kill the process mid-drain.
  const stopped = new Promise<void>((resolve) => {
    process.on('SIGTERM', () => resolve());
    process.on('SIGINT', () => resolve());
  });
  out.write(out.json ? `${JSON.stringify({ url })}\n` : `listening on ${url}\n`);
  await stopped;
  // Drain: no new connections, idle ones closed, requests in flight answered (bounded), then wipe.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
  await closed;
  clearTimeout(timer);
  await keys.close();
  await store.close();
  return EXIT.ok;
}
