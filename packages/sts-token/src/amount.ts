// TransferAmount field (IEC 62055-41 §6.3.6, sts-reference §4.1): 2-bit exponent + 14-bit mantissa,
// always rounded UP in the customer's favour. Also used, unscaled, for MPL/MPPUL watts.
export const MAX_AMOUNT_TENTHS = 0;
export function parseAmountTenths(_text: string, _name?: string): number {
  throw new Error('in progress');
}
export function encodeAmountField(_tenths: number, _name?: string): number {
  throw new Error('in progress');
}
export function decodeAmountField(_field: number): number {
  throw new Error('in progress');
}
export function formatTenths(_tenths: number): string {
  throw new Error('in progress');
}
