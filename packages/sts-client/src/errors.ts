// The one error class of the SDK: every failed call, whatever failed, rejects with an StsApiError.
// The service's envelope (nectar-compat.md §4): status.code, status.message, status.request_id, error.code.

/**
 * Codes the SDK sets itself, when the service gave none: `network-error` (no answer: connection
 * refused or dropped, DNS, timeout; `status` 0), `bad-response` (an answer that is not the
 * service's JSON envelope), `response-too-large` (over `maxResponseBytes`), `aborted` (the
 * caller's signal), `http-<status>` (an error status with no `error.code` in its body).
 * Otherwise `code` is the service's own `error.code` (`unauthorized`, `not-found`, `tid-used`, …).
 */
export type ClientErrorCode = 'network-error' | 'bad-response' | 'response-too-large' | 'aborted';

/** A failed call: the HTTP status (0 when no answer came), a stable code, a message, the request id. */
export class StsApiError extends Error {
  override readonly name = 'StsApiError';
  /** HTTP status of the answer (for Nectar's HTTP-200 errors: its `status.code`); 0 when none came. */
  readonly status: number;
  /** The service's `error.code`, or one of the SDK's own codes ({@link ClientErrorCode}). */
  readonly code: string;
  /** The service's `status.request_id` (also sent as `X-Request-Id`), when there was one. */
  readonly requestId: string | undefined;
  /** Per-field problems the service listed (`error.details`), e.g. a configuration's line/column errors. */
  readonly details: readonly unknown[] | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    requestId?: string,
    details?: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

/** True when `error` is an StsApiError (also across copies of this package). */
export function isStsApiError(error: unknown): error is StsApiError {
  return error instanceof StsApiError || (error instanceof Error && error.name === 'StsApiError');
}
