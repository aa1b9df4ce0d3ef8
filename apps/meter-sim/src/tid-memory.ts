// The meter's TID memory: the last N token identifiers, for the Old and Used checks.
// IEC 62055-41 §6.5.5 (sts-reference §12 step 4–5): full → evict the smallest; new meters are pre-filled.

// Memories are cut from shared 64 KiB slabs: a view on a slab costs an object, a fresh Uint32Array of
// 50 its own off-heap backing store (the fleet makes 100,000 meters). A slab lives while one of its
// memories does; a memory larger than a quarter slab gets its own buffer.
const SLAB_BYTES = 1 << 16;
let slab = new ArrayBuffer(0);
let slabUsed = 0;

function slice(size: number): Uint32Array {
  const bytes = size * 4;
  if (bytes > SLAB_BYTES / 4) return new Uint32Array(size);
  if (slabUsed + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const view = new Uint32Array(slab, slabUsed, size);
  slabUsed += bytes;
  return view;
}

/** A sorted (ascending) fixed-capacity multiset of 24-bit TIDs in a typed array. */
export class TidMemory {
  readonly size: number;
  readonly tids: Uint32Array;
  count = 0;

  constructor(size: number) {
    this.size = size;
    this.tids = slice(size);
  }

  /** Fill every slot with one TID (the manufacture-date TID of a new meter). */
  fill(tid: number): void {
    this.tids.fill(tid);
    this.count = this.size;
  }

  clear(): void {
    this.count = 0;
  }

  /** 'old' (memory full and tid < smallest), 'used' (tid stored) or null. */
  check(tid: number): 'old' | 'used' | null {
    const t = this.tids;
    const n = this.count;
    if (n === this.size && n > 0 && tid < t[0]!) return 'old';
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = t[mid]!;
      if (v === tid) return 'used';
      if (v < tid) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  /** Store a TID; when full, the smallest is evicted first. */
  insert(tid: number): void {
    const t = this.tids;
    let n = this.count;
    if (n === this.size) {
      if (n === 0) return;
      t.copyWithin(0, 1, n);
      n--;
    }
    let i = n;
    while (i > 0 && t[i - 1]! > tid) {
      t[i] = t[i - 1]!;
      i--;
    }
    t[i] = tid;
    this.count = n + 1;
  }

  toArray(): number[] {
    return Array.from(this.tids.subarray(0, this.count));
  }
}
