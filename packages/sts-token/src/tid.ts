// TID (sts-reference §5).
import type { BaseDate, Instant } from './types.ts';
export const MAX_TID = 0xffffff;
export function baseDateMs(_b: BaseDate): number {
  throw new Error('in progress');
}
export function parseInstant(_i: Instant, _name?: string): number {
  throw new Error('in progress');
}
export function tidFromInstant(_i: Instant, _b: BaseDate, _o?: { isStid?: boolean }): number {
  throw new Error('in progress');
}
export function instantFromTid(_t: number, _b: BaseDate): Date {
  throw new Error('in progress');
}
export function checkKeyExpiry(_t: number, _k: number): void {
  throw new Error('in progress');
}
