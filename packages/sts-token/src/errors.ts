// TokenError: the one exception type of sts-token, with a stable machine-readable code.
// Messages name the field at fault and never echo key material.

/** Every code a TokenError (or a `{ ok: false }` result, or a batch `error`) can carry. */
export type TokenErrorCode =
  | 'invalid-request' // the request is not a JSON object
  | 'unknown-field' // a field the request type does not take
  | 'missing-field' // a required field is absent
  | 'invalid-field' // a field has the wrong kind (string instead of number, …)
  | 'conflicting-fields' // two fields that exclude each other (time and tid, config and decoderKey)
  | 'unknown-type' // token type name not known
  | 'invalid-amount' // amount text is not a decimal number
  | 'amount-out-of-range' // amount negative or above the field maximum
  | 'invalid-time' // time is not an ISO 8601 instant
  | 'zoneless-time' // time has no zone (Z or ±hh:mm)
  | 'time-before-base-date' // issue time before the key's base date
  | 'tid-out-of-range' // TID past 2^24 − 1 (or negative)
  | 'key-expired' // TID >> 16 exceeds the key expiry number
  | 'invalid-random' // random not an integer 0..15
  | 'invalid-watts' // watts not an integer 0..18 201 624
  | 'invalid-register' // register not an integer 0..65535
  | 'invalid-rate' // rate not an integer 0..65535
  | 'invalid-pad' // pad not an integer 0..65535
  | 'invalid-factor' // factor not an integer 0..65535
  | 'invalid-control' // control not an integer of 36 (sub 0) or 28 (sub 1) bits
  | 'invalid-manufacturer-code' // manufacturer code not 2 (sub 0) or 4 (sub 1) digits
  | 'invalid-drn' // DRN of the wrong length or with a wrong check digit
  | 'invalid-config' // the STS configuration does not validate
  | 'invalid-key' // decoder key of the wrong length / not hex
  | 'invalid-algorithm' // encryption algorithm not sta | dea | misty1
  | 'invalid-base-date' // base date not 1993 | 2014 | 2035
  | 'invalid-key-expiry-no' // KEN not 0..255
  | 'invalid-key-change' // key-change parameters inconsistent (key length vs. algorithm, …)
  | 'invalid-token' // token text is not 20 decimal digits
  | 'token-out-of-range' // 20 digits but ≥ 2^66
  | 'reserved-class' // class 3
  | 'key-required' // a class 0/2 token was given without a key
  | 'internal'; // not the input's fault: a bug in this toolkit (the message names the JavaScript error)

/** The error thrown by sts-token's encoders and parsers. `code` is stable; `message` is one line. */
export class TokenError extends Error {
  readonly code: TokenErrorCode;
  constructor(code: TokenErrorCode, message: string) {
    super(message);
    this.name = 'TokenError';
    this.code = code;
  }
}

/** Narrowing helper: true when `e` is a TokenError. */
export function isTokenError(e: unknown): e is TokenError {
  return e instanceof TokenError;
}

/**
 * Wrap an unexpected exception (a bug, not bad input) so that it reaches a batch or CLI user as one
 * line with the code `internal`, never as a stack trace and never disguised as an input error.
 */
export function internalError(e: unknown): TokenError {
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new TokenError('internal', `internal error (a bug in sts-token, please report it): ${what}`);
}
