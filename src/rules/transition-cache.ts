/**
 * The lazy DFA's transition cache: (state index, segment) → state index in one open-addressing
 * table over typed arrays, the key characters in an arena. Split from automaton.ts so that file
 * keeps to the automaton itself.
 */

/** Hash of (state, path[a..b)), computed in place so a walk never slices a cached segment. */
export function hashSegment(state: number, str: string, a: number, b: number): number {
  let h = Math.imul(state + 1, 0x9e3779b1) ^ 0x811c9dc5;
  for (let i = a; i < b; i++) h = Math.imul(h ^ str.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}

/**
 * Cached transitions as one open-addressing table (linear probing) over typed arrays: a lookup
 * touches one 16-byte slot and the key's characters in an arena, instead of a state object, a Map
 * and its entries, which matters once a large policy's states no longer fit in the CPU caches.
 */
export class TransitionCache {
  /** Slots of [from state, hash, to state, key offset in the arena]. */
  private slots = new Int32Array(0);
  /** Keys' characters, each key followed by a `/` (which no segment contains). */
  private arena = new Uint16Array(0);
  private arenaUsed = 0;
  private size = 0;
  private used = 0;

  constructor(private readonly limit: number) {
    this.clear();
  }

  clear(): void {
    this.alloc(1024);
    this.arena = new Uint16Array(4096);
    this.arenaUsed = 0;
  }

  /** The target state index for segment str[a..b) from state `s`, or -1. */
  get(s: number, h: number, str: string, a: number, b: number): number {
    const slots = this.slots;
    const mask = this.size - 1;
    for (let j = h & mask; ; j = (j + 1) & mask) {
      const f = slots[j * 4]!;
      if (f < 0) return -1;
      if (f === s && slots[j * 4 + 1] === h && this.keyIs(slots[j * 4 + 3]!, str, a, b)) return slots[j * 4 + 2]!;
    }
  }

  /** Caches a transition; false when the table was full and had to be emptied first. */
  set(s: number, h: number, key: string, to: number): boolean {
    let kept = true;
    if (this.used >= this.limit) {
      this.clear();
      kept = false;
    } else if (this.used * 2 >= this.size) this.grow();
    this.put(s, h, this.store(key), to);
    return kept;
  }

  private keyIs(off: number, str: string, a: number, b: number): boolean {
    const arena = this.arena;
    for (let i = a; i < b; i++, off++) if (arena[off] !== str.charCodeAt(i)) return false;
    return arena[off] === SLASH;
  }

  private store(key: string): number {
    if (this.arenaUsed + key.length + 1 > this.arena.length) {
      const bigger = new Uint16Array(Math.max(this.arena.length * 2, this.arenaUsed + key.length + 1));
      bigger.set(this.arena);
      this.arena = bigger;
    }
    const off = this.arenaUsed;
    for (let i = 0; i < key.length; i++) this.arena[off + i] = key.charCodeAt(i);
    this.arena[off + key.length] = SLASH;
    this.arenaUsed += key.length + 1;
    return off;
  }

  private put(s: number, h: number, off: number, to: number): void {
    const mask = this.size - 1;
    let j = h & mask;
    while (this.slots[j * 4]! >= 0) j = (j + 1) & mask;
    this.slots.set([s, h, to, off], j * 4);
    this.used++;
  }

  private grow(): void {
    const { slots, size } = this;
    this.alloc(size * 2);
    for (let j = 0; j < size; j++) if (slots[j * 4]! >= 0) this.put(slots[j * 4]!, slots[j * 4 + 1]!, slots[j * 4 + 3]!, slots[j * 4 + 2]!);
  }

  private alloc(size: number): void {
    this.slots = new Int32Array(size * 4).fill(-1);
    this.size = size;
    this.used = 0;
  }
}

const SLASH = 0x2f;
