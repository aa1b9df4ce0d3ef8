// How sts-vend prints: tokens as 20 digits or grouped, output held until complete, warnings on stderr.
// Errors are reported by the kit (sts-cli-kit's reportError), the same shape as every other app.
import { warn as kitWarn } from 'sts-cli-kit';

/** The name every message of this app starts with. */
export const APP = 'sts-vend';

/** What a command produced: printed only once it is complete, so a failure leaves no partial output. */
export interface CommandResult {
  stdout: string;
  exitCode: number;
}

/** Print 20 digits, or 5 groups of 4 separated by spaces (the way vendors print them on receipts). */
export function showToken(digits: string, grouped: boolean): string {
  if (!grouped) return digits;
  return `${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8, 12)} ${digits.slice(12, 16)} ${digits.slice(16, 20)}`;
}

/** A warning line on stderr (config warnings, duplicate TIDs): `sts-vend: warning: …`, never on stdout. */
export function warn(message: string): void {
  kitWarn(APP, message);
}
