// SecretBytes: a Uint8Array for key material that never shows its content when printed.
// Project rule (ARCHITECTURE.md, "Secrets"): toString, toJSON and util.inspect show only the length.

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * A `Uint8Array` holding a secret (here: the vending key). It behaves like any `Uint8Array` for
 * code that reads its bytes, but `String(x)`, `JSON.stringify(x)`, `util.inspect(x)` and
 * template strings print only `[secret, 8 bytes]`. Call `wipe()` when done with it.
 * @example
 * const key = SecretBytes.copyOf(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
 * String(key); // '[secret, 8 bytes]'
 * key.wipe();  // all bytes are 0 now
 */
export class SecretBytes extends Uint8Array {
  /** A new SecretBytes holding a copy of `bytes` (the caller may then wipe its own copy). */
  static copyOf(bytes: Uint8Array): SecretBytes {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
    const secret = new SecretBytes(bytes.length);
    secret.set(bytes);
    return secret;
  }

  /** Overwrite every byte with 0. The length stays. */
  wipe(): void {
    this.fill(0);
  }

  override toString(): string {
    return `[secret, ${this.length} bytes]`;
  }

  override toLocaleString(): string {
    return this.toString();
  }

  toJSON(): string {
    return this.toString();
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}
