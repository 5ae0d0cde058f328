/**
 * WebAssembly.Memory for the tests. The project's type libraries (ES2023 + node) declare no
 * WebAssembly namespace, so the constructor is typed here by hand.
 */
export interface TestMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

interface MemoryCtor {
  new (d: { initial: number; maximum?: number; shared?: boolean }): TestMemory;
}

const WA = (globalThis as unknown as { WebAssembly: { Memory: MemoryCtor } }).WebAssembly;

export const PAGE = 65536;

export function newMemory(shared: boolean, initial = 1, maximum = 4): TestMemory {
  return new WA.Memory({ initial, maximum, shared });
}

export const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x3a11_0c0d);
