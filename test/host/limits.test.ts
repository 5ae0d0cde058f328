/**
 * boundVectorIo (src/host/limits.ts): a readv or writev whose segments add up to more than the
 * guest's memory reaches the host with only the leading segments that fit (at least one);
 * every other call reaches it unchanged, arguments and their types included.
 */
import { describe, expect, test } from 'vitest';
import { boundVectorIo, segmentsWithin } from '../../src/host/limits.js';
import { GuestMemory } from '../../src/wali/memory.js';
import { WA, type WasmMemoryObject } from '../../src/wali/wasm.js';

const PAGE = 65536;

/** One page of memory with an iovec array at 0: segment i is {base, lens[i]}. */
function memoryWith(lens: number[]): WasmMemoryObject {
  const memory = new WA.Memory({ initial: 1 });
  const v = new DataView(memory.buffer);
  lens.forEach((len, i) => {
    v.setUint32(i * 8, 4096, true);
    v.setUint32(i * 8 + 4, len, true);
  });
  return memory;
}

describe('segmentsWithin', () => {
  test('the leading segments that fit, at least one; undefined when all fit or the call is for the host to refuse', () => {
    const mem = new GuestMemory(memoryWith([100, 200, 300, 400]));
    expect(segmentsWithin(mem, 0, 4, 1000)).toBeUndefined();
    expect(segmentsWithin(mem, 0, 4, 999)).toBe(3);
    expect(segmentsWithin(mem, 0, 4, 300)).toBe(2);
    expect(segmentsWithin(mem, 0, 4, 50)).toBe(1);
    expect(segmentsWithin(mem, 0, 0, 50)).toBeUndefined();
    expect(segmentsWithin(mem, 0, 1025, 50)).toBeUndefined();
    expect(segmentsWithin(mem, PAGE - 8, 4, 50)).toBeUndefined(); // the array runs off memory: EFAULT is the host's
    expect(segmentsWithin(new GuestMemory(memoryWith([100, 0x80000000])), 0, 2, 50)).toBeUndefined(); // EINVAL is the host's
  });
});

describe('boundVectorIo', () => {
  function hostSpy(): { imports: Record<string, Record<string, (...a: unknown[]) => unknown>>; calls: unknown[][] } {
    const calls: unknown[][] = [];
    const record = (...a: unknown[]): bigint => {
      calls.push(a);
      return 0n;
    };
    return { imports: { wali: { SYS_readv: record, SYS_writev: record, SYS_read: record }, other: { f: record } }, calls };
  }

  test('1024 segments over the whole memory reach the host as one; others pass unchanged', () => {
    const memory = memoryWith(Array.from({ length: 1024 }, () => PAGE - 4096));
    const spy = hostSpy();
    const b = boundVectorIo(spy.imports);
    const wali = b.imports['wali'] as Record<string, (...a: unknown[]) => unknown>;
    // Before attach there is no memory to read the segments from: unchanged.
    wali['SYS_writev']!(1, 0, 1024);
    b.attach({ exports: { memory } });
    wali['SYS_writev']!(1, 0, 1024);
    wali['SYS_readv']!(3n, 0n, 1024n);
    wali['SYS_writev']!(1, 0, 1);
    wali['SYS_read']!(0, 0, 10);
    expect(spy.calls).toEqual([[1, 0, 1024], [1, 0, 1], [3n, 0n, 1n], [1, 0, 1], [0, 0, 10]]);
    expect(b.imports['other']).toBe(spy.imports['other']);
  });

  test('grown memory raises the bound', () => {
    const memory = memoryWith([40000, 40000, 40000]);
    const spy = hostSpy();
    const b = boundVectorIo(spy.imports);
    b.attach({ exports: { memory } });
    const writev = (b.imports['wali'] as Record<string, (...a: unknown[]) => unknown>)['SYS_writev']!;
    writev(1, 0, 3);
    memory.grow(1);
    writev(1, 0, 3);
    expect(spy.calls).toEqual([[1, 0, 1], [1, 0, 3]]);
  });
});
