// Digits (sts-reference §7).
export interface ParsedTokenDigits {
  class: number;
  hi: number;
  lo: number;
}
export function blockToTokenDigits(_c: number, _h: number, _l: number): string {
  throw new Error('in progress');
}
export function parseTokenDigitsInto(_d: string, _out: Uint32Array): number {
  throw new Error('in progress');
}
export function parseTokenDigits(_d: string): ParsedTokenDigits | null {
  throw new Error('in progress');
}
export function formatToken(_d: string, _o?: { grouped?: boolean; separator?: string }): string {
  throw new Error('in progress');
}
export function parseTokenString(_t: string): string {
  throw new Error('in progress');
}
