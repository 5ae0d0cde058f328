/**
 * The memory-limit patcher (src/wali/memory-limits.ts) on hand-built modules: it lowers or sets
 * the maximum of every defined memory, re-encodes the section's size, leaves every other byte
 * alone, refuses a minimum above the limit and malformed input; the engine accepts the result
 * and holds memory.grow to the limit.
 */
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { cappedLimits, definedMemories, encodeU, limitMemory, MemoryLimitError } from '../../../src/wali/memory-limits.js';
import { ModuleFormatError, readModuleTypes } from '../../../src/wali/module-types.js';
import { WA, type WasmMemoryObject } from '../../../src/wali/wasm.js';
import { exportSection, functype, HEADER, importSection, memImport, module_, section, str, typeSection, uleb, vec } from './encode.js';

/** A memory type: flags (bit 0 max, bit 1 shared), minimum, optional maximum. */
const memType = (min: number, max?: number, shared = false): number[] => [
  (max === undefined ? 0 : 1) | (shared ? 2 : 0),
  ...uleb(min),
  ...(max === undefined ? [] : uleb(max)),
];
const memorySection = (...mems: number[][]): number[] => section(5, vec(mems));
const exportMemory = exportSection([...str('memory'), 0x02, 0]);
const custom = (name: string, body: number[]): number[] => section(0, [...str(name), ...body]);

function exported(bytes: Uint8Array): WasmMemoryObject {
  const instance = new WA.Instance(new WA.Module(bytes), {});
  return instance.exports['memory'] as WasmMemoryObject;
}

describe('limitMemory', () => {
  test('a memory without a maximum gets the limit; memory.grow past it fails', () => {
    const bytes = module_(memorySection(memType(1)), exportMemory);
    const limited = limitMemory(bytes, 4);
    expect(definedMemories(limited)).toEqual([{ flags: 1, min: 1, max: 4 }]);
    const memory = exported(limited);
    expect(memory.grow(3)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
    expect(memory.buffer.byteLength).toBe(4 * 65536);
  });

  test('a higher maximum is lowered, with the section size re-encoded; the bytes around are the same', () => {
    // 65536 takes three LEB bytes, 2 takes one: the section shrinks by two.
    const before = [typeSection(functype([], [])), custom('before', [1, 2, 3])];
    const after = [exportMemory, custom('after', Array.from({ length: 200 }, (_, i) => i & 0xff))];
    const bytes = module_(...before, memorySection(memType(1, 65536)), ...after);
    const limited = limitMemory(bytes, 2);
    expect(limited.length).toBe(bytes.length - 2);
    expect(definedMemories(limited)).toEqual([{ flags: 1, min: 1, max: 2 }]);
    const head = HEADER.length + before.flat().length;
    expect([...limited.subarray(0, head)]).toEqual([...bytes.subarray(0, head)]);
    expect([...limited.subarray(limited.length - after.flat().length)]).toEqual(after.flat());
    expect(readModuleTypes(limited).exports).toEqual(readModuleTypes(bytes).exports);
    expect(() => new WA.Module(limited)).not.toThrow();
  });

  test('a maximum within the limit, or no memory section at all: the input itself', () => {
    const within = module_(memorySection(memType(1, 3)), exportMemory);
    expect(limitMemory(within, 3)).toBe(within);
    const none = module_(typeSection(functype([], [])));
    expect(limitMemory(none, 1)).toBe(none);
  });

  test('a shared memory keeps its flags and gets the lower maximum', () => {
    const bytes = module_(memorySection(memType(2, 1024, true)), exportMemory);
    const limited = limitMemory(bytes, 8);
    expect(definedMemories(limited)).toEqual([{ flags: 3, min: 2, max: 8 }]);
    const memory = exported(limited);
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(() => memory.grow(7)).toThrow(RangeError);
  });

  test('an imported memory is left to its importer (cappedLimits)', () => {
    const bytes = module_(importSection(memImport('env', 'memory', 3, 1, 1024)));
    expect(limitMemory(bytes, 4)).toBe(bytes);
    expect(cappedLimits({ min: 1, max: 1024 }, 4)).toEqual({ min: 1, max: 4 });
    expect(cappedLimits({ min: 1 }, 4)).toEqual({ min: 1, max: 4 });
    expect(cappedLimits({ min: 1, max: 2 }, 4)).toEqual({ min: 1, max: 2 });
    expect(() => cappedLimits({ min: 5 }, 4)).toThrow(MemoryLimitError);
  });

  test('a minimum above the limit is refused, saying how much the module needs', () => {
    const bytes = module_(memorySection(memType(21, 100)), exportMemory);
    expect(() => limitMemory(bytes, 16)).toThrow('it needs 21 pages (1.31 MiB) of memory at start, more than the limit of 16 pages (1 MiB)');
    expect(() => limitMemory(bytes, 16)).toThrow(MemoryLimitError);
  });

  test('malformed input is refused, never run without its limit', () => {
    const good = module_(memorySection(memType(1)), exportMemory);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([1, 2, 3, 4, 1, 0, 0, 0]), /bad magic number/],
      [new Uint8Array([...HEADER.slice(0, 4), 2, 0, 0, 0]), /unsupported binary version/],
      [new Uint8Array([...HEADER, 5, 10, 1]), /runs past the end/],
      [new Uint8Array([...HEADER, 5, 3, 1, 8, 1]), /limits flags 0x8/],
      [new Uint8Array([...HEADER, 5, 4, 1, 0, 1, 9]), /bytes after its memories/],
      [new Uint8Array([...HEADER, 5, 2, 1, 1]), /unexpected end/],
      [new Uint8Array([...HEADER, 5, 7, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x10]), /too long or out of range/],
      [module_(memorySection(memType(1)), memorySection(memType(1))), /more than one memory section/],
      [good.subarray(0, good.length - 1), /runs past the end/],
    ];
    for (const [bytes, why] of cases) {
      expect(() => limitMemory(bytes, 4)).toThrow(ModuleFormatError);
      expect(() => limitMemory(bytes, 4)).toThrow(why);
    }
  });

  test('several memories (multi-memory) are each limited', () => {
    const bytes = module_(memorySection(memType(1), memType(2, 50), memType(0, 3)));
    expect(definedMemories(limitMemory(bytes, 4))).toEqual([
      { flags: 1, min: 1, max: 4 },
      { flags: 1, min: 2, max: 4 },
      { flags: 1, min: 0, max: 3 },
    ]);
  });

  fcTest.prop([
    fc.integer({ min: 0, max: 65536 }),
    fc.option(fc.integer({ min: 0, max: 65536 }), { nil: undefined }),
    fc.integer({ min: 0, max: 65536 }),
    fc.boolean(),
    fc.uint8Array({ maxLength: 300 }),
  ])('any limits, any limit: the engine accepts the result and its maximum is min(declared, limit)', (min, declared, limit, shared, filler) => {
    const max = declared === undefined ? (shared ? 65536 : undefined) : Math.max(min, declared);
    const around = custom('x', [...filler]);
    const bytes = module_(around, memorySection(memType(min, max, shared)), around);
    if (min > limit) {
      expect(() => limitMemory(bytes, limit)).toThrow(MemoryLimitError);
      return;
    }
    const limited = limitMemory(bytes, limit);
    const want = Math.min(max ?? Infinity, limit);
    expect(definedMemories(limited)).toEqual([{ flags: 1 | (shared ? 2 : 0), min, max: want }]);
    expect(() => new WA.Module(limited)).not.toThrow();
    expect([...limited.subarray(HEADER.length, HEADER.length + around.length)]).toEqual(around);
    expect([...limited.subarray(limited.length - around.length)]).toEqual(around);
  });
});

test('encodeU writes the shortest LEB128 and agrees with the test encoder', () => {
  for (const n of [0, 1, 127, 128, 16383, 16384, 65536, 2 ** 32 - 1, 2 ** 53 - 1]) expect(encodeU(n)).toEqual(uleb(n));
});
