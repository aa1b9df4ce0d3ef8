// The amount a credit or currency token really carries, read back from the token itself.
// IEC 62055-41 TransferAmount: 14-bit mantissa and exponent, rounded up, so 100000 kWh becomes 100002.4.
import { processDecodeRequest, type RequestCache } from 'sts-token';

export interface CarriedAmount {
  /** What the token carries, as sts-token's decoder prints it ("100002.4"). */
  amount: string;
  /** What was asked for (`--amount`), as typed. */
  requested: string;
  /** The two differ as numbers (not merely in form: "25.60" and "25.6" are the same). */
  differs: boolean;
}

/**
 * For a request with an `amount` (credit and currency types), decode `token` with the request's own
 * key and return the amount it carries; undefined for other requests. The key is already in `cache`,
 * so this costs one block decryption. Reading the token back, rather than re-computing the encoding,
 * shows what a meter will credit.
 */
export function carriedAmount(
  request: Record<string, unknown>,
  token: string | undefined,
  cache: RequestCache,
): CarriedAmount | undefined {
  const requested = request.amount;
  if (typeof requested !== 'string' || token === undefined) return undefined;
  const {
    type: _type,
    amount: _amount,
    time: _time,
    tid: _tid,
    random: _random,
    isStid: _isStid,
    ...key
  } = request;
  const decoded = processDecodeRequest({ ...key, token }, cache) as { amount?: unknown };
  if (typeof decoded.amount !== 'string') return undefined;
  return {
    amount: decoded.amount,
    requested,
    differs: decimalValue(decoded.amount) !== decimalValue(requested),
  };
}

/** A decimal number's canonical text: no sign for zero, no leading zeros, no trailing fraction zeros. */
function decimalValue(text: string): string {
  const m = /^\s*([+-]?)0*(\d*?)(?:\.(\d*?)0*)?\s*$/.exec(text);
  if (m === null) return text;
  const whole = m[2] || '0';
  const fraction = m[3] ?? '';
  const digits = fraction.length > 0 ? `${whole}.${fraction}` : whole;
  return m[1] === '-' && /[1-9]/.test(digits) ? `-${digits}` : digits;
}
