// The prepared-key interface shared by the three 64-bit block ciphers of STS (EA07 STA, EA09 DEA, EA11 MISTY1).
// Hot paths pass a block as two unsigned 32-bit halves and receive the result in a caller-owned Uint32Array.

/** A block cipher whose key schedule has been computed once; no allocation per block. */
export interface PreparedBlockCipher {
  readonly algorithm: 'sta' | 'misty1' | 'des';
  /** Encrypt the 64-bit block (hi = bits 63..32, lo = bits 31..0); writes out[0] = hi, out[1] = lo. */
  encrypt64(hi: number, lo: number, out: Uint32Array): void;
  /** Decrypt the 64-bit block (hi, lo); writes out[0] = hi, out[1] = lo. */
  decrypt64(hi: number, lo: number, out: Uint32Array): void;
  /** Wipe the key schedule; the object must not be used afterwards. */
  destroy(): void;
}
