/** The process's cache of compiled modules: same bytes, same module; a failed compile is not kept. */
import { describe, expect, test } from 'vitest';
import { compileCacheStats, compileModule } from '../../src/host/compile.js';
import { WA } from '../../src/wali/wasm.js';

/** The smallest valid module, made different by a custom section named `tag`. */
function moduleBytes(tag: string): Uint8Array {
  const name = new TextEncoder().encode(tag);
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, name.length + 1, name.length, ...name]);
}

describe('compileModule', () => {
  test('the same bytes compile once; other bytes are a miss', async () => {
    const before = compileCacheStats();
    const a = await compileModule(moduleBytes('a'));
    const again = await compileModule(moduleBytes('a'));
    const b = await compileModule(moduleBytes('b'));
    expect(again).toBe(a);
    expect(b).not.toBe(a);
    const after = compileCacheStats();
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses - before.misses).toBe(2);
  });

  test('bytes that do not compile are refused each time, never cached', async () => {
    const bad = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]);
    const before = compileCacheStats();
    await expect(compileModule(bad)).rejects.toThrow(WA.CompileError);
    await expect(compileModule(bad)).rejects.toThrow(WA.CompileError);
    const after = compileCacheStats();
    expect(after.misses - before.misses).toBe(2);
    expect(after.hits - before.hits).toBe(0);
  });
});
