/**
 * Hostile pointers and lengths against a small memory: GuestMemory never throws, and returns
 * EFAULT exactly when a byte outside memory would be touched (checked against an independent
 * model of the address rules). Replay a failure with FDWARDEN_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { EFAULT, ENAMETOOLONG, GuestMemory, type GuestWord } from '../../../src/wali/memory.js';
import { PAGE, SEED, newMemory, type TestMemory } from './wasm.js';

const RUNS = 3000;

function check<T>(arb: fc.Arbitrary<T>, body: (x: T) => void): void {
  try {
    fc.assert(fc.property(arb, body), { seed: SEED, numRuns: RUNS });
  } catch (e) {
    throw new Error(`seed ${SEED} (set FDWARDEN_SEED to replay): ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The model: a wasm32 address is an i32 Number read unsigned, or a BigInt in [0, 2^32). */
function address(x: GuestWord): number | null {
  if (typeof x === 'bigint') return x >= 0n && x <= 0xffffffffn ? Number(x) : null;
  if (!Number.isSafeInteger(x) || x < -0x80000000 || x > 0xffffffff) return null;
  return x < 0 ? x + 2 ** 32 : x;
}

/** Near the ends of memory, anywhere in i32/u32, and things that are no address at all. */
function wordArb(size: number): fc.Arbitrary<GuestWord> {
  return fc.oneof(
    fc.integer({ min: size - 24, max: size + 24 }),
    fc.integer({ min: -24, max: 24 }),
    fc.integer({ min: 0, max: size }),
    fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.constantFrom(NaN, Infinity, -Infinity, 0.5, size - 0.5, 2 ** 32, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, -0),
    fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
    fc.constantFrom(2n ** 32n - 1n, 2n ** 32n, 2n ** 64n, -1n, BigInt(size), BigInt(size - 1)),
  );
}

interface Case {
  /** Bytes to write before the operation (a run of non-NUL bytes makes unterminated strings). */
  patch: { at: number; bytes: Uint8Array };
  ptr: GuestWord;
  len: GuestWord;
  max: number;
  value: number;
}

function caseArb(size: number): fc.Arbitrary<Case> {
  const patch = fc.record({
    at: fc.oneof(fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: size - 64, max: size - 1 })),
    bytes: fc.uint8Array({ minLength: 0, maxLength: 96 }).map((b) => (b.length % 2 ? b.map((x) => x | 1) : b)),
  });
  return fc.record({
    patch,
    ptr: wordArb(size),
    len: wordArb(size),
    max: fc.oneof(fc.integer({ min: -2, max: 80 }), fc.constantFrom(4096, Infinity, NaN)),
    value: fc.integer({ min: -0x80000000, max: 0xffffffff }),
  });
}

/** Byte equality via memcmp: toEqual on 64 KiB typed arrays is far too slow for a fuzz loop. */
function same(x: Uint8Array | typeof EFAULT, y: Uint8Array): boolean {
  return x instanceof Uint8Array && Buffer.from(x.buffer, x.byteOffset, x.length).equals(Buffer.from(y.buffer, y.byteOffset, y.length));
}

function apply(mem: TestMemory, p: Case['patch']): void {
  const u8 = new Uint8Array(mem.buffer);
  u8.set(p.bytes.subarray(0, u8.length - p.at), p.at);
}

/** What readCString must return, from a fresh view of memory. */
function modelCString(u8: Uint8Array, ptr: GuestWord, max: number): string | typeof EFAULT | typeof ENAMETOOLONG {
  const a = address(ptr);
  if (a === null || a >= u8.length) return EFAULT;
  const limit = max >= 1 ? Math.floor(max) : 1;
  for (let i = 0; i < limit; i++) {
    if (a + i >= u8.length) return EFAULT;
    if (u8[a + i] === 0) return Buffer.from(u8.subarray(a, a + i)).toString('latin1');
  }
  return ENAMETOOLONG;
}

describe.each([false, true])('GuestMemory fuzz (shared: %s)', (shared) => {
  const mem = newMemory(shared, 1, 4);
  const gm = new GuestMemory(mem);

  test('ranges: EFAULT exactly when a byte is outside memory; otherwise the right bytes', () => {
    check(caseArb(PAGE), (c) => {
      apply(mem, c.patch);
      const u8 = new Uint8Array(mem.buffer);
      const a = address(c.ptr);
      const n = address(c.len);
      const inside = (k: number | null): boolean => a !== null && k !== null && a + k <= u8.length;

      const bytes = gm.readBytes(c.ptr, c.len);
      if (inside(n)) expect(same(bytes, u8.subarray(a!, a! + n!))).toBe(true);
      else expect(bytes).toBe(EFAULT);

      const dv = new DataView(mem.buffer);
      expect(gm.readU32(c.ptr)).toEqual(inside(4) ? dv.getUint32(a!, true) : EFAULT);
      expect(gm.readI32(c.ptr)).toEqual(inside(4) ? dv.getInt32(a!, true) : EFAULT);
      expect(gm.readI64(c.ptr)).toEqual(inside(8) ? dv.getBigInt64(a!, true) : EFAULT);
      expect(gm.readU64(c.ptr)).toEqual(inside(8) ? dv.getBigUint64(a!, true) : EFAULT);

      const before = u8.slice();
      const w = c.patch.bytes.subarray(0, 16);
      expect(gm.writeBytes(c.ptr, w)).toBe(inside(w.length) ? undefined : EFAULT);
      expect(gm.writeU32(c.ptr, c.value)).toBe(inside(4) ? undefined : EFAULT);
      expect(gm.writeI32(c.ptr, c.value)).toBe(inside(4) ? undefined : EFAULT);
      expect(gm.writeI64(c.ptr, BigInt(c.value))).toBe(inside(8) ? undefined : EFAULT);
      if (inside(8)) expect(dv.getBigInt64(a!, true)).toBe(BigInt(c.value));
      // a failed write leaves memory untouched
      if (!inside(w.length) && !inside(4)) expect(same(new Uint8Array(mem.buffer), before)).toBe(true);
    });
  });

  test('readCString: EFAULT exactly when it would read past the end before a NUL or max', () => {
    check(caseArb(PAGE), (c) => {
      apply(mem, c.patch);
      expect(gm.readCString(c.ptr, c.max)).toEqual(modelCString(new Uint8Array(mem.buffer), c.ptr, c.max));
    });
  });

  test('unterminated strings at the very end of memory', () => {
    check(fc.record({ tail: fc.integer({ min: 1, max: 200 }), back: fc.integer({ min: 0, max: 220 }) }), ({ tail, back }) => {
      const u8 = new Uint8Array(mem.buffer);
      u8.fill(0, u8.length - 256);
      u8.fill(0x41, u8.length - tail);
      const ptr = u8.length - back;
      expect(gm.readCString(ptr)).toEqual(modelCString(u8, ptr, 4096));
      if (back >= 1 && back <= tail) expect(gm.readCString(ptr)).toBe(EFAULT);
    });
  });
});
