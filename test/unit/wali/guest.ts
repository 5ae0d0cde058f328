/**
 * A pretend WALI guest for interposer tests: a real WebAssembly.Memory, a bump allocator for
 * strings and buffers, and the instance shape `attach` expects.
 */
import { newMemory, type TestMemory } from './wasm.js';
import { compilePolicyText } from '../../../src/dsl/index.js';
import type { IrPolicy } from '../../../src/rules/ir.js';

export class Guest {
  readonly memory: TestMemory;
  readonly instance: { exports: { memory: TestMemory } };
  private next = 1024;

  constructor(shared = false) {
    this.memory = newMemory(shared, 2, 8);
    this.instance = { exports: { memory: this.memory } };
  }

  /** A NUL-terminated latin1 string in guest memory. */
  str(s: string): number {
    const p = this.alloc(s.length + 1);
    const u8 = new Uint8Array(this.memory.buffer);
    for (let i = 0; i < s.length; i++) u8[p + i] = s.charCodeAt(i) & 0xff;
    u8[p + s.length] = 0;
    return p;
  }

  alloc(n: number): number {
    const p = this.next;
    this.next = (this.next + n + 7) & ~7;
    return p;
  }

  i32(p: number): number {
    return new DataView(this.memory.buffer).getInt32(p, true);
  }
}

/** A policy from text; throws with the diagnostics when it does not compile. */
export function policy(text: string): IrPolicy {
  const c = compilePolicyText(text, { file: 'test.policy' });
  if (!c.ok) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return c.policy;
}
