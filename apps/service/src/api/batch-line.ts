// One line of POST /v1/tokens/batch: sts-vend's batch line contract with config_ref in place of a
// configuration, read without the store (the caller resolves config_ref), and the lines answered.
import { tokenTypeByName } from 'sts-token';
import { kind } from './fields.ts';

export const MAX_LINE_BYTES = 64 * 1024;
/** Key fields a line may not carry: the key comes from the stored configuration. */
const REFUSED = ['config', 'decoderKey', 'encryptionAlgorithm', 'baseDate', 'keyExpiryNo', 'newConfig'];

export type LineId = string | number | null;
export interface LineFault {
  code: string;
  message: string;
}

export type ParsedLine =
  | { id: LineId; error: LineFault }
  | {
      id: LineId;
      /** The configuration named by config_ref. */
      ref: string;
      /** sts-token's request without config_ref (the boundary adds the key). */
      request: Record<string, unknown>;
      /** The meter, for a token that carries a TID (not class 1). */
      drn: string | undefined;
      /** A TID-carrying token with neither time nor tid: the service picks its TID. */
      needsTid: boolean;
    };

/** A line longer than MAX_LINE_BYTES: it ends the batch (the lines before it are answered). */
export class LineTooLong extends Error {
  constructor(readonly line: number) {
    super(`line ${line}: longer than ${MAX_LINE_BYTES} bytes`);
  }
}

/** A fault of line `n`: its message starts with the line number. */
export function lineFault(n: number, code: string, message: string): LineFault {
  return { code, message: `line ${n}: ${message}` };
}

/** Read and check line `n` (no configuration looked up, no TID chosen). */
export function parseBatchLine(n: number, text: string): ParsedLine {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return { id: null, error: lineFault(n, 'bad-json', 'not valid JSON') };
  }
  if (r === null || typeof r !== 'object' || Array.isArray(r))
    return {
      id: null,
      error: lineFault(n, 'invalid-request', `request must be a JSON object, got ${kind(r)}`),
    };
  const req = r as Record<string, unknown>;
  const id = typeof req.id === 'string' || typeof req.id === 'number' ? req.id : null;
  for (const f of REFUSED)
    if (f in req)
      return {
        id,
        error: lineFault(
          n,
          'key-field-refused',
          `${f}: the key comes from the stored configuration named by config_ref`,
        ),
      };
  const ref = req.config_ref;
  if (typeof ref !== 'string')
    return { id, error: lineFault(n, 'missing-field', 'config_ref is required (a string)') };
  const info = typeof req.type === 'string' ? tokenTypeByName(req.type) : undefined;
  if (info?.layout === 'key-change')
    return {
      id,
      error: lineFault(n, 'not-in-batch', 'key changes are asked for one at a time with POST /v1/tokens'),
    };
  const { config_ref: _ref, ...request } = req;
  const drn = info !== undefined && info.class !== 1 && typeof req.drn === 'string' ? req.drn : undefined;
  return {
    id,
    ref,
    request,
    drn,
    needsTid: drn !== undefined && request.time === undefined && request.tid === undefined,
  };
}

/** The ledger's `value` of a request: its amount, or the value field of its type. */
export function ledgerValue(r: Record<string, unknown>): string | null {
  for (const f of ['amount', 'watts', 'register', 'rate', 'pad', 'factor', 'control'])
    if (r[f] !== undefined) return String(r[f]);
  return null;
}

/** One answer line: the tokens of a line (each with its ledger ref) or its error. */
export function answerLine(id: LineId, answer: { tokens: unknown[] } | { error: LineFault }): string {
  return `${JSON.stringify({ id, ...answer })}\n`;
}
