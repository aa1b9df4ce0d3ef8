// The batch request layer (pure, no I/O): one JSON request object in, one JSON result object out.
// The request format is that of vectors/sts-public.json; RequestCache makes a million lines cheap.
import type { TokenErrorCode } from './errors.ts';
import type { NectarTokenType, TokenTypeName } from './token-types.ts';

/** The error answer of a request. `message` names the field. */
export interface RequestError {
  id: string | number | null;
  error: { code: TokenErrorCode; message: string };
}

/** The answer to a token request. `tid` is null for class 1 and key-change tokens. */
export type TokenRequestResult =
  | {
      id: string | number | null;
      tokens: {
        token: string;
        type: TokenTypeName;
        nectarType: NectarTokenType;
        class: number;
        subclass: number;
        tid: number | null;
      }[];
    }
  | RequestError;

/** The answer to a decode request: the fields of decodeToken (without `ok`) under the request's id. */
export type DecodeRequestResult =
  | ({ id: string | number | null; class: number; subclass: number; type: string; crcOk: boolean } & Record<
      string,
      unknown
    >)
  | RequestError;

export interface RequestCacheOptions {
  /** Most prepared decoder keys kept (LRU); default 10 000. */
  maxKeys?: number;
  /** Most parsed configurations kept; default 100. */
  maxConfigs?: number;
}

/** Memoises parsed configs (by their JSON text) and derived decoder keys (by config + DRN). Call destroy() at the end. */
export class RequestCache {
  constructor(_options: RequestCacheOptions = {}) {}
  /** Wipe and forget every key. */
  destroy(): void {}
}

/**
 * Process one token request (an entry's `request` in vectors/sts-public.json). Never throws.
 * @example
 * processTokenRequest({ id: 'a', type: 'electricity', config, drn: '47500150231', time: '2024-05-01T10:00:00Z', amount: '10' }, cache)
 */
export function processTokenRequest(_request: unknown, _cache?: RequestCache): TokenRequestResult {
  throw new Error('in progress');
}

/**
 * Process one decode request: `{ id?, token, config + drn | decoderKey + encryptionAlgorithm + baseDate [+ keyExpiryNo] }`
 * (no key needed for class 1). Never throws.
 */
export function processDecodeRequest(_request: unknown, _cache?: RequestCache): DecodeRequestResult {
  throw new Error('in progress');
}
