// The answer when the database cannot be reached: 503 with Retry-After, never a hang or a crash.
// Which errors of the PostgreSQL client mean "the database went away" (SQLSTATE classes 08, 57P, 53300).
import { ApiError } from '../http/envelope.ts';

/** Seconds a client is asked to wait before retrying. */
export const RETRY_AFTER_S = 2;

/** The store lost its database for now: 503 database-unavailable, Retry-After: 2. */
export class StoreUnavailable extends ApiError {
  constructor() {
    super(503, 'database-unavailable', 'the database is unavailable; retry shortly', undefined, {
      'retry-after': String(RETRY_AFTER_S),
    });
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATEs: 53300 too_many_connections, 57014 query_canceled (statement_timeout), 57P01-57P03
// admin/crash shutdown and cannot_connect_now (starting up), 08xxx connection exceptions.
const SQL_STATES = new Set(['53300', '57014', '57P01', '57P02', '57P03']);

// node-postgres reports a lost socket and a pool wait that timed out with these messages (no code).
const CLIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Query read timeout',
  'Client was closed and is not queryable',
];

/** True when `e` says the database cannot be reached right now (as opposed to a bad query). */
export function isUnavailable(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  if (NETWORK_CODES.has(code) || SQL_STATES.has(code) || code.startsWith('08')) return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return CLIENT_MESSAGES.some((m) => message.startsWith(m));
}
