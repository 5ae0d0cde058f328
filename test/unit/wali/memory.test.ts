/** GuestMemory: bounds, C strings, little-endian words, and views that follow memory growth. */
import { describe, expect, test } from 'vitest';
import { EFAULT, ENAMETOOLONG, GuestMemory, PATH_MAX, toU32 } from '../../../src/wali/memory.js';
import { PAGE, newMemory } from './wasm.js';

function put(mem: { buffer: ArrayBuffer | SharedArrayBuffer }, at: number, text: string): void {
  new Uint8Array(mem.buffer).set(Buffer.from(text, 'latin1'), at);
}

describe('toU32', () => {
  test('reads signed i32 Numbers as wasm does, rejects what cannot be an address', () => {
    expect(toU32(-1)).toBe(0xffffffff);
    expect(toU32(-(2 ** 31))).toBe(2 ** 31);
    expect(toU32(2 ** 32 - 1)).toBe(0xffffffff);
    expect(toU32(5n)).toBe(5);
    for (const bad of [NaN, 1.5, Infinity, -Infinity, 2 ** 32, -(2 ** 31) - 1, -1n, 2n ** 32n, 2n ** 64n]) expect(toU32(bad)).toBe(-1);
  });
});

describe('GuestMemory', () => {
  test('reads and writes little-endian words, unaligned too', () => {
    const gm = new GuestMemory(newMemory(false));
    expect(gm.writeU32(3, 0xdeadbeef)).toBeUndefined();
    expect(gm.readU32(3)).toBe(0xdeadbeef);
    expect(gm.readI32(3)).toBe(0xdeadbeef | 0);
    expect(gm.readBytes(3, 4)).toEqual(new Uint8Array([0xef, 0xbe, 0xad, 0xde]));
    expect(gm.writeI64(9n, -2n)).toBeUndefined();
    expect(gm.readI64(9)).toBe(-2n);
    expect(gm.readU64(9)).toBe(2n ** 64n - 2n);
    expect(gm.writeI64(17, 2n ** 64n + 5n)).toBeUndefined(); // wraps, does not throw
    expect(gm.readI64(17)).toBe(5n);
    expect(gm.writeI32(PAGE - 4, -7)).toBeUndefined();
    expect(gm.readI32(PAGE - 4)).toBe(-7);
  });

  test('EFAULT exactly past the end', () => {
    const gm = new GuestMemory(newMemory(false));
    expect(gm.readU32(PAGE - 3)).toBe(EFAULT);
    expect(gm.readI64(PAGE - 7)).toBe(EFAULT);
    expect(gm.readI64(PAGE - 8)).toBe(0n);
    expect(gm.readBytes(PAGE, 0)).toEqual(new Uint8Array(0));
    expect(gm.readBytes(PAGE, 1)).toBe(EFAULT);
    expect(gm.readBytes(0, PAGE)).toHaveLength(PAGE);
    expect(gm.readBytes(0, -1)).toBe(EFAULT); // size_t 0xffffffff
    expect(gm.writeBytes(PAGE - 1, new Uint8Array(2))).toBe(EFAULT);
    expect(gm.readU32(-4)).toBe(EFAULT);
    expect(gm.readU32(NaN)).toBe(EFAULT);
    expect(gm.readU32(2n ** 40n)).toBe(EFAULT);
  });

  test('readBytes copies: later guest writes do not change what was read', () => {
    const mem = newMemory(true);
    const gm = new GuestMemory(mem);
    put(mem, 100, 'abc');
    const got = gm.readBytes(100, 3);
    put(mem, 100, 'xyz');
    expect(Buffer.from(got as Uint8Array).toString('latin1')).toBe('abc');
  });

  test('readCString: latin1, NUL excluded, PATH_MAX counts the NUL', () => {
    const mem = newMemory(false);
    const gm = new GuestMemory(mem);
    new Uint8Array(mem.buffer).set([0x2f, 0xe9, 0xff, 0x80, 0], 10);
    expect(gm.readCString(10)).toBe('/\xe9\xff\x80');
    expect(gm.readCString(14)).toBe('');
    new Uint8Array(mem.buffer).fill(0x61, 1000, 1000 + PATH_MAX - 1);
    expect(gm.readCString(1000)).toBe('a'.repeat(PATH_MAX - 1));
    new Uint8Array(mem.buffer)[1000 + PATH_MAX - 1] = 0x61;
    expect(gm.readCString(1000)).toBe(ENAMETOOLONG);
    expect(gm.readCString(1000, 10)).toBe(ENAMETOOLONG);
    expect(gm.readCString(1000, Infinity)).toBe('a'.repeat(PATH_MAX));
  });

  test('readCString: EFAULT when the string runs off the end before max', () => {
    const mem = newMemory(false);
    const gm = new GuestMemory(mem);
    new Uint8Array(mem.buffer).fill(0x61, PAGE - 5);
    expect(gm.readCString(PAGE - 5)).toBe(EFAULT);
    expect(gm.readCString(PAGE - 5, 5)).toBe(ENAMETOOLONG); // all 5 bytes inside, none NUL
    expect(gm.readCString(PAGE - 5, 6)).toBe(EFAULT);
    expect(gm.readCString(PAGE)).toBe(EFAULT);
    expect(gm.readCString(-1)).toBe(EFAULT);
  });

  test('fromInstance takes the memory export', () => {
    const mem = newMemory(true);
    expect(GuestMemory.fromInstance({ exports: { memory: mem } })?.memory).toBe(mem);
    expect(GuestMemory.fromInstance({ exports: {} })).toBeUndefined();
    expect(GuestMemory.fromInstance({ exports: { memory: 3 } })).toBeUndefined();
  });
});

describe.each([false, true])('growth (shared: %s)', (shared) => {
  test('views follow the memory after grow', () => {
    const mem = newMemory(shared);
    expect(mem.buffer instanceof SharedArrayBuffer).toBe(shared);
    const gm = new GuestMemory(mem);
    expect(gm.writeU32(8, 42)).toBeUndefined();
    expect(gm.readU32(PAGE)).toBe(EFAULT);
    new Uint8Array(mem.buffer).fill(0x62, PAGE - 3);
    expect(gm.readCString(PAGE - 3)).toBe(EFAULT);

    mem.grow(1);
    // the cached view still covers [0, PAGE): reads inside it must see the live memory
    expect(gm.readU32(8)).toBe(42);
    expect(gm.writeU32(8, 43)).toBeUndefined();
    expect(new DataView(mem.buffer).getUint32(8, true)).toBe(43);
    expect(gm.byteLength).toBe(2 * PAGE);
    // a string crossing the old end, terminated in the new page
    expect(gm.readCString(PAGE - 3)).toBe('bbb');
    expect(gm.writeU32(PAGE, 7)).toBeUndefined();
    expect(gm.readU32(PAGE)).toBe(7);
    expect(gm.readU32(2 * PAGE - 3)).toBe(EFAULT);
  });

  test('byteLength follows growth made elsewhere, with no access in between', () => {
    const mem = newMemory(shared);
    const gm = new GuestMemory(mem);
    expect(gm.byteLength).toBe(PAGE);
    mem.grow(2);
    expect(gm.byteLength).toBe(3 * PAGE);
    mem.grow(1);
    expect(gm.byteLength).toBe(4 * PAGE);
  });

  test('an access past the cached view notices growth made elsewhere', () => {
    const mem = newMemory(shared);
    const gm = new GuestMemory(mem);
    mem.grow(2);
    new DataView(mem.buffer).setUint32(2 * PAGE + 4, 99, true);
    expect(gm.readU32(2 * PAGE + 4)).toBe(99);
    expect(gm.readBytes(0, 3 * PAGE)).toHaveLength(3 * PAGE);
    expect(gm.readBytes(0, 3 * PAGE + 1)).toBe(EFAULT);
  });

  test('a string reaching the end of the cached view is re-read after growth', () => {
    const mem = newMemory(shared);
    const gm = new GuestMemory(mem);
    expect(gm.readU32(0)).toBe(0); // views cached at one page
    new Uint8Array(mem.buffer).fill(0x63, PAGE - 2);
    mem.grow(1); // the new page starts with NUL
    expect(gm.readCString(PAGE - 2)).toBe('cc');
  });
});
