// checkDrn: is a decoder reference number (DRN) right for a configuration's IIN, check digit included?
// IEC 62055-41 IAIN/MeterPAN (sts-reference §9): 11 digits with IIN 600727, 13 with 0000; last digit Luhn.

import { luhnCheckDigit, meterPan } from 'sts-crypto';
import type { StsConfig } from './types.ts';

/** Why `checkDrn` refused a DRN: not all digits, wrong length for the IIN, wrong Luhn digit, or a bad IIN. */
export type DrnCheckCode = 'drn-not-digits' | 'drn-length' | 'drn-check-digit' | 'iin-invalid';

/** The result of `checkDrn`: the meter PAN, or a code and a one-line message naming the DRN. */
export type DrnCheck =
  | { readonly ok: true /** IIN ‖ DRN ‖ Luhn: the 18-digit meter PAN. */; readonly pan: string }
  | { readonly ok: false; readonly code: DrnCheckCode; readonly message: string };

const DRN_LENGTH: Readonly<Record<string, number>> = { '600727': 11, '0000': 13 };

/** A DRN as shown in a message: as typed when short, else cut (a DRN is not secret). */
function showDrn(drn: string): string {
  return /^[0-9]{1,20}$/.test(drn) ? drn : JSON.stringify(drn.length > 20 ? `${drn.slice(0, 20)}…` : drn);
}

/**
 * Check a DRN against the configuration's issuer identification number: its length (11 digits for
 * IIN 600727, 13 for 0000), its digits, and its last digit, the Luhn check digit over the others.
 * @example
 * checkDrn('47500150231', { issuerIdentificationNo: '600727' }); // { ok: true, pan: '600727475001502312' }
 * checkDrn('47500150232', { issuerIdentificationNo: '600727' }).message;
 * // 'DRN 47500150232: check digit 2 is wrong, expected 1'
 */
export function checkDrn(drn: string, config: Pick<StsConfig, 'issuerIdentificationNo'>): DrnCheck {
  if (typeof drn !== 'string') throw new TypeError('drn must be a string of decimal digits');
  const iin = config?.issuerIdentificationNo;
  const length = typeof iin === 'string' && Object.hasOwn(DRN_LENGTH, iin) ? DRN_LENGTH[iin] : undefined;
  if (length === undefined) {
    return {
      ok: false,
      code: 'iin-invalid',
      message: `issuer identification number must be 600727 or 0000; got ${JSON.stringify(String(iin)).slice(0, 14)}`,
    };
  }
  if (!/^[0-9]+$/.test(drn)) {
    return {
      ok: false,
      code: 'drn-not-digits',
      message: `DRN ${showDrn(drn)}: must be ${length} decimal digits (IIN ${iin}); it has other characters`,
    };
  }
  if (drn.length !== length) {
    return {
      ok: false,
      code: 'drn-length',
      message: `DRN ${showDrn(drn)}: must be ${length} digits for IIN ${iin} (${length === 11 ? '13 for IIN 0000' : '11 for IIN 600727'}); got ${drn.length}`,
    };
  }
  const expected = luhnCheckDigit(drn.slice(0, -1));
  const actual = drn.charCodeAt(drn.length - 1) - 48;
  if (actual !== expected) {
    return {
      ok: false,
      code: 'drn-check-digit',
      message: `DRN ${drn}: check digit ${actual} is wrong, expected ${expected}`,
    };
  }
  return { ok: true, pan: meterPan(iin, drn) };
}
