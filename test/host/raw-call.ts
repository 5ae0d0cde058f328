/**
 * One call of a WALI import with the arguments a hostile guest chose: the host must answer a raw
 * result (an i64, -errno at worst) or end the guest (WaliExit); anything else it throws fails.
 */
import { expect } from 'vitest';
import { WaliExit } from '../../src/host/index.js';
import type { Imports } from '../../src/wali/wasm.js';

/** The raw result of `SYS_<name>(...args)`, or undefined when the call ended the guest. */
export function rawCall(imports: Imports, name: string, args: readonly (number | bigint)[]): bigint | undefined {
  let ret: unknown;
  try {
    ret = (imports['wali']![`SYS_${name}`] as (...x: (number | bigint)[]) => unknown)(...args);
  } catch (e) {
    if (e instanceof WaliExit) return undefined;
    throw e;
  }
  expect(typeof ret).toBe('bigint');
  if ((ret as bigint) < 0n) expect(ret as bigint).toBeGreaterThanOrEqual(-4095n);
  return ret as bigint;
}
