// Key-change sections on the meter side: collect Set1st..4thSectionDecoderKey blocks and assemble the new key.
// IEC 62055-41 §6.2.4–6.2.7, §6.5 (sts-reference §3 KCT layouts, §11.3 meter processing).

/** The new key and attributes carried by a complete set of sections (decrypted blocks). */
export interface AssembledKey {
  key: Uint8Array;
  keyExpiryNo: number;
  keyRevisionNo: number;
  keyType: number;
  /** TI as sent: binary 0..255 (a valid TI is 0..99). */
  tariffIndex: number;
  rollover: boolean;
  /** 24-bit SGC from SGCHO ‖ SGCLO (4-section sets only). */
  supplyGroupCode?: number;
}

/** Section number (1..4) of a class-2 subclass, or 0 when it is not a key-change subclass. */
export function sectionOfSubclass(subclass: number): 0 | 1 | 2 | 3 | 4 {
  switch (subclass) {
    case 3:
      return 1;
    case 4:
      return 2;
    case 8:
      return 3;
    case 9:
      return 4;
    default:
      return 0;
  }
}

/** The 32 key bits 47..16 of a section block. */
function keyPart(hi: number, lo: number): number {
  return (((hi & 0xffff) << 16) | (lo >>> 16)) >>> 0;
}

function putU32(out: Uint8Array, offset: number, v: number): void {
  out[offset] = v >>> 24;
  out[offset + 1] = (v >>> 16) & 0xff;
  out[offset + 2] = (v >>> 8) & 0xff;
  out[offset + 3] = v & 0xff;
}

/**
 * Assemble a complete set. `blocks[s]` = [hi, lo] of section s (1-based; 3 and 4 only for 128-bit).
 * 64-bit key = NKHO ‖ NKLO; 128-bit key = NKHO ‖ NKMO2 ‖ NKMO1 ‖ NKLO; KEN = KENHO << 4 | KENLO.
 */
export function assembleSections(
  blocks: readonly (readonly [number, number] | undefined)[],
  wide: boolean,
): AssembledKey {
  const s1 = blocks[1]!;
  const s2 = blocks[2]!;
  const [h1, l1] = s1;
  const [h2, l2] = s2;
  const key = new Uint8Array(wide ? 16 : 8);
  putU32(key, 0, keyPart(h1, l1));
  if (wide) {
    const [h3, l3] = blocks[3]!;
    const [h4, l4] = blocks[4]!;
    putU32(key, 4, keyPart(h3, l3));
    putU32(key, 8, keyPart(h4, l4));
    putU32(key, 12, keyPart(h2, l2));
  } else {
    putU32(key, 4, keyPart(h2, l2));
  }
  const out: AssembledKey = {
    key,
    keyExpiryNo: (((h1 >>> 24) & 0xf) << 4) | ((h2 >>> 24) & 0xf),
    keyRevisionNo: (h1 >>> 20) & 0xf,
    rollover: ((h1 >>> 19) & 1) === 1,
    keyType: (h1 >>> 16) & 3,
    tariffIndex: (h2 >>> 16) & 0xff,
  };
  if (wide) {
    const sgcLow = (blocks[3]![0] >>> 16) & 0xfff;
    const sgcHigh = (blocks[4]![0] >>> 16) & 0xfff;
    out.supplyGroupCode = sgcHigh * 4096 + sgcLow;
  }
  return out;
}
