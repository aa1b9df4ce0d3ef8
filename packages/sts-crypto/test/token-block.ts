// Test helper, written straight from sts-reference §7: recover the encrypted 64-bit block and the class
// from a 20-digit token (or from the 66-bit value), independently of the code under test.

const MASK64 = (1n << 64n) - 1n;

/** Undo the class transposition of the 66-bit value t: bits 65,64 go back to 28,27; class = old bits 28,27. */
export function untranspose(t: bigint): { tokenClass: number; block: bigint } {
  if (t < 0n || t >= 1n << 66n) throw new RangeError('not a 66-bit value');
  const tokenClass = Number((t >> 27n) & 3n);
  const b28 = (t >> 65n) & 1n;
  const b27 = (t >> 64n) & 1n;
  const block = (t & MASK64 & ~(3n << 27n)) | (b28 << 28n) | (b27 << 27n);
  return { tokenClass, block };
}

/** The encrypted block and class carried by a 20-digit decimal token. */
export function blockFromToken(token: string): { tokenClass: number; block: bigint } {
  if (!/^\d{20}$/.test(token)) throw new RangeError('not a 20-digit token');
  return untranspose(BigInt(token));
}

export const hexToBig = (hex: string): bigint => BigInt(`0x${hex}`);

export const bigToBytes = (x: bigint): Uint8Array => {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number((x >> BigInt(56 - 8 * i)) & 0xffn);
  return out;
};

export const bytesToBig = (b: Uint8Array): bigint => b.reduce((acc, v) => (acc << 8n) | BigInt(v), 0n);

export const halves = (x: bigint): [number, number] => [Number(x >> 32n), Number(x & 0xffffffffn)];

export const fromHalves = (out: Uint32Array): bigint => (BigInt(out[0]!) << 32n) | BigInt(out[1]!);
