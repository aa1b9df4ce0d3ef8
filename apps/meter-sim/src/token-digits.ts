// The 20-digit token → class + 64-bit data block, without BigInt: IEC 62055-41 §6.1 / sts-reference §7.
// Hot path of the meter: three 32-bit limbs, multiply-add in base 2^32, reverse class transposition.

/** Result codes of parseTokenInto. */
export const PARSE_OK = 0;
/** Not exactly 20 decimal digits (after removing spaces and dashes). */
export const PARSE_NOT_20_DIGITS = 1;
/** 20 digits, but the value is 2^66 or more. */
export const PARSE_TOO_LARGE = 2;

const TWO32 = 4294967296;

/**
 * Parse `digits` (20 decimal digits; spaces and '-' between groups allowed) into
 * out[0] = class, out[1] = block hi (bits 63..32), out[2] = block lo (bits 31..0),
 * with the class bits taken from positions 28..27 and token bits 65..64 put back there.
 * @returns PARSE_OK, PARSE_NOT_20_DIGITS or PARSE_TOO_LARGE
 */
export function parseTokenInto(digits: string, out: Uint32Array): number {
  let l0 = 0; // bits 31..0
  let l1 = 0; // bits 63..32
  let l2 = 0; // bits 95..64
  let count = 0;
  const n = digits.length;
  for (let i = 0; i < n; i++) {
    const c = digits.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      if (++count > 20) return PARSE_NOT_20_DIGITS;
      // v = v*10 + c on three uint32 limbs; each product < 2^36, exact in a double.
      const p0 = l0 * 10 + c;
      const c0 = Math.floor(p0 / TWO32);
      l0 = p0 - c0 * TWO32;
      const p1 = l1 * 10 + c0;
      const c1 = Math.floor(p1 / TWO32);
      l1 = p1 - c1 * TWO32;
      l2 = l2 * 10 + c1;
    } else if ((c === 32 - 48 || c === 45 - 48) && count > 0 && i < n - 1) {
      // a space or dash between digit groups (not leading or trailing)
    } else {
      return PARSE_NOT_20_DIGITS;
    }
  }
  if (count !== 20) return PARSE_NOT_20_DIGITS;
  if (l2 > 3) return PARSE_TOO_LARGE;
  out[0] = (l0 >>> 27) & 3;
  out[1] = l1;
  out[2] = ((l0 & 0xe7ffffff) | (l2 << 27)) >>> 0;
  return PARSE_OK;
}

/** Canonical text of a token for results and logs: the 20 digits without separators (input if not digits). */
export function canonicalToken(digits: string): string {
  const t = digits.trim();
  const d = t.replace(/[ -]/g, '');
  return /^\d{20}$/.test(d) ? d : t.length > 40 ? `${t.slice(0, 40)}…` : t;
}
