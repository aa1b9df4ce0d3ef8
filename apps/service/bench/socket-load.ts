// A closed-loop HTTP/1.1 load generator over raw keep-alive TCP connections: each connection sends
// a prepared request and the next one when the answer is in. Requests are bytes made beforehand (real
// signatures, each with its own nonce), so the figure is the server's: node:http's client costs
// more CPU per request than the servers measured here, and it shares their two cores.
import { connect, type Socket } from 'node:net';

export interface LoadTarget {
  host: string;
  port: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** The first answer that was not 200, cut to 200 characters. */
  firstError: string;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  seconds: number;
}

/** One request as bytes: request line, headers (Host and Content-Length added) and body. */
export function requestBytes(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
  host: string,
): Buffer {
  const b = Buffer.from(body);
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\nContent-Length: ${b.length}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`), b]);
}

const HEAD_END = Buffer.from('\r\n\r\n');
const LENGTH_RE = /\r\ncontent-length:\s*(\d+)/i;

/**
 * Send `requests[i]` in order over `concurrency` connections spread over `targets`, for `seconds`
 * (or until the requests run out). Answers must carry Content-Length (every answer here does).
 */
export async function runLoad(
  targets: readonly LoadTarget[],
  requests: readonly Buffer[],
  seconds: number,
  concurrency: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError = '';
  let next = 0;
  const started = performance.now();
  const end = started + seconds * 1000;

  const connection = (target: LoadTarget): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket: Socket = connect(target.port, target.host);
      socket.setNoDelay(true);
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const send = (): void => {
        if (performance.now() >= end || next >= requests.length) {
          socket.end();
          resolve();
          return;
        }
        sentAt = performance.now();
        socket.write(requests[next++]!);
      };
      socket.on('connect', send);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        for (;;) {
          const headEnd = pending.indexOf(HEAD_END);
          if (headEnd === -1) return;
          const head = pending.toString('latin1', 0, headEnd);
          const m = LENGTH_RE.exec(head);
          if (m === null) {
            reject(new Error(`answer without Content-Length: ${head.slice(0, 200)}`));
            socket.destroy();
            return;
          }
          const total = headEnd + 4 + Number(m[1]);
          if (pending.length < total) return;
          latencies.push(performance.now() - sentAt);
          if (!head.startsWith('HTTP/1.1 200')) {
            errors++;
            if (firstError === '') firstError = pending.toString('utf8', 0, Math.min(total, 200));
          }
          pending = pending.subarray(total);
          send();
        }
      });
    });

  await Promise.all(Array.from({ length: concurrency }, (_, i) => connection(targets[i % targets.length]!)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies.length === 0
      ? 0
      : Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 100) / 100;
  return {
    requests: latencies.length,
    errors,
    firstError,
    perSecond: Math.round(latencies.length / elapsed),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    seconds: Math.round(elapsed * 100) / 100,
  };
}
