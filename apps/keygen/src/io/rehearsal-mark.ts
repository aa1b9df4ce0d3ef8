// The REHEARSAL mark inside an output file (key-ceremony.md feature 12): a rehearsal key, config,
// key pair or bundle says so in its own text, not only in its name, so it is never taken for a real one.

/**
 * The line that marks a rehearsal output inside it: a `#` comment, which key files, configuration
 * files and bundle profile files skip, and which PEM readers (OpenSSL, node:crypto) skip before
 * `-----BEGIN`. `what` says what the file is not: 'key', 'configuration', 'bundle'.
 */
export function rehearsalMark(what: string): string {
  return `# REHEARSAL: not a production ${what}\n`;
}

/** True when a `#` comment line of `text` says REHEARSAL (the mark of rehearsalMark, or one like it). */
export function hasRehearsalMark(text: string): boolean {
  return /^[ \t]*#[^\n]*REHEARSAL/im.test(text);
}
