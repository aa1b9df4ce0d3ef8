// The Luhn (mod 10) check digit of the meter PAN and of the DRN.
// ISO/IEC 7812-1 Annex B, as used by IEC 62055-41 for the MeterPAN and the IAIN (sts-reference §9).

/**
 * Luhn digit of the decimal digits `a` followed by `b`, without building `a + b`.
 * Callers have already checked that both are strings of decimal digits.
 * Internal: the DKGA04 hot path uses it for IIN ‖ DRN.
 */
export function luhnOfDigits(a: string, b: string): number {
  let sum = 0;
  // Walk right to left; the rightmost payload digit is doubled (it sits next to the check digit).
  let double = true;
  for (let i = b.length - 1; i >= 0; i--, double = !double) sum += weigh(b.charCodeAt(i) - 48, double);
  for (let i = a.length - 1; i >= 0; i--, double = !double) sum += weigh(a.charCodeAt(i) - 48, double);
  return (10 - (sum % 10)) % 10;
}

function weigh(d: number, double: boolean): number {
  if (!double) return d;
  const x = d * 2;
  return x > 9 ? x - 9 : x;
}

/** True when every character of `s` is 0-9 (and `s` is not empty). */
export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The Luhn check digit (0-9) to append to `digits` (ISO/IEC 7812-1 Annex B; IEC 62055-41 MeterPAN).
 * Every second digit from the right, starting with the rightmost, is doubled (9 subtracted when
 * over 9); the check digit is (10 − sum mod 10) mod 10.
 * @param digits one or more decimal digits, without the check digit
 * @throws TypeError when digits is not a string; RangeError when it is empty or has a non-digit
 * @example
 * luhnCheckDigit('60072747500150231'); // 2 → PAN 600727475001502312
 */
export function luhnCheckDigit(digits: string): number {
  if (typeof digits !== 'string') throw new TypeError('digits must be a string of decimal digits');
  if (!isDigits(digits)) {
    throw new RangeError(
      digits.length === 0 ? 'digits must not be empty' : 'digits must contain only decimal digits 0-9',
    );
  }
  return luhnOfDigits('', digits);
}
