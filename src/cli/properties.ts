/**
 * The `property` blocks of `fdwarden test` (src/testing/property-blocks.ts checks them). The kit
 * is loaded only when a policy has properties: it brings fast-check and the prover, which plain
 * tests do not need.
 */
import type { CompiledPolicy } from '../dsl/index.js';
import { fileLoader } from '../dsl/load-fs.js';
import { UsageError } from './options.js';
import type { PropertyTally } from '../testing/property-tally.js';

export { propertySummary, type PropertyTally } from '../testing/property-tally.js';

type Kit = typeof import('../testing/property-blocks.js');

async function loadKit(): Promise<Kit> {
  try {
    return await import('../testing/property-blocks.js');
  } catch (e) {
    const missing = e instanceof Error && /fast-check/.test(e.message);
    if (missing) throw new UsageError('property blocks are checked with fast-check; install it (npm install fast-check)');
    throw e;
  }
}

/** `--seed N`: a non-negative integer fast-check accepts. */
export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) {
    throw new UsageError(`--seed wants a whole number from 0 to 4294967295, not '${text}'`);
  }
  return n;
}

/** Checks every property of the policy, printing as it goes; included files are read from the disk. */
export async function runProperties(
  compiled: CompiledPolicy, vars: Record<string, string[]>, seed: number | undefined, out: (s: string) => void,
): Promise<PropertyTally> {
  if (compiled.properties.length === 0) return { held: 0, broken: 0 };
  const kit = await loadKit();
  return kit.checkPropertyBlocks(compiled, vars, seed ?? kit.DEFAULT_SEED, out, fileLoader());
}
