// A fixed-capacity map from 32-bit keys (addresses, taken as int32) to non-negative int32 values in
// typed arrays (linear probing, backward-shift deletion): no JS Map boxing addresses per lookup.

export const U32_MISSING = -1;

export class U32Map {
  private readonly keys: Int32Array;
  private readonly values: Int32Array;
  private readonly used: Uint8Array;
  private readonly mask: number;
  size = 0;

  constructor(readonly capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.keys = new Int32Array(slots);
    this.values = new Int32Array(slots);
    this.used = new Uint8Array(slots);
    this.mask = slots - 1;
  }

  private home(key: number): number {
    let h = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
    return (h ^ (h >>> 16)) & this.mask;
  }

  get(anyKey: number): number {
    const key = anyKey | 0;
    let at = this.home(key);
    while (this.used[at] !== 0) {
      if (this.keys[at] === key) return this.values[at];
      at = (at + 1) & this.mask;
    }
    return U32_MISSING;
  }

  /** False when the map is full (capacity keys already present). */
  set(anyKey: number, value: number): boolean {
    const key = anyKey | 0;
    let at = this.home(key);
    while (this.used[at] !== 0) {
      if (this.keys[at] === key) {
        this.values[at] = value;
        return true;
      }
      at = (at + 1) & this.mask;
    }
    if (this.size >= this.capacity) return false;
    this.used[at] = 1;
    this.keys[at] = key;
    this.values[at] = value;
    this.size++;
    return true;
  }

  delete(anyKey: number): boolean {
    const key = anyKey | 0;
    let at = this.home(key);
    while (this.used[at] !== 0 && this.keys[at] !== key) at = (at + 1) & this.mask;
    if (this.used[at] === 0) return false;
    let hole = at;
    let next = at;
    this.used[hole] = 0;
    for (;;) {
      next = (next + 1) & this.mask;
      if (this.used[next] === 0) break;
      const want = this.home(this.keys[next]);
      const between = hole <= next ? want > hole && want <= next : want > hole || want <= next;
      if (!between) {
        this.keys[hole] = this.keys[next];
        this.values[hole] = this.values[next];
        this.used[hole] = 1;
        this.used[next] = 0;
        hole = next;
      }
    }
    this.size--;
    return true;
  }
}
