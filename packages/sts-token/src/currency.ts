// Currency amount (class 0 sub 4–7, IEC 62055-41:2018 §6.3.6.3, sts-reference §4.2).
export interface CurrencyField {
  signExponent: number;
  field: number;
}
export function encodeCurrencyAmount(_text: string, _name?: string): CurrencyField {
  throw new Error('in progress');
}
export function decodeCurrencyAmount(_signExponent: number, _field: number): string {
  throw new Error('in progress');
}
