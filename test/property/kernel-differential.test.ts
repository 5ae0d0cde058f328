/**
 * Kernel-differential property: random syscall programs run on the real
 * kernel (test/kernel/driver.c) and on the model must agree after every step.
 *
 *   FDWARDEN_SEED=<n>         replay another seed (CI uses the fixed default)
 *   FDWARDEN_KERNEL_RUNS=<n>  number of programs (default 500)
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { programArb } from '../kernel/arbitraries.js';
import { firstDivergence, formatProgram } from '../kernel/compare.js';
import { KernelRunError, runOnKernel, runOnKernelBatch } from '../kernel/kernel-runner.js';
import { runOnModel } from '../kernel/model-runner.js';
import { flattenProgram, type Observation, type Program } from '../kernel/program.js';

const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x0fd3a2d);
const RUNS = Number(process.env['FDWARDEN_KERNEL_RUNS'] ?? 500);
const supported = process.platform === 'linux' && process.arch === 'x64';

/** Kernel observations, or a discarded run when the program leaves the sandbox's reach. */
function kernelOrDiscard(program: Program): Observation[] {
  try {
    return runOnKernel(program);
  } catch (e) {
    if (e instanceof KernelRunError && e.climbedTooFar) fc.pre(false);
    throw e;
  }
}

function reproduce(details: fc.RunDetails<[Program]>): string {
  const replay = `FDWARDEN_SEED=${SEED} FDWARDEN_KERNEL_RUNS=${RUNS}`;
  const where = `seed ${SEED} (rerun with ${replay}), fast-check path "${details.counterexamplePath ?? ''}", ${details.numShrinks} shrinks`;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return `${where}\n\n${cause}`;
}

describe.skipIf(!supported)('kernel differential', () => {
  test(`the model matches the kernel step by step (${RUNS} programs)`, () => {
    const details = fc.check(
      fc.property(programArb, (program) => {
        const kernel = kernelOrDiscard(program);
        let model: Observation[];
        try {
          model = runOnModel(program);
        } catch (e) {
          throw new Error(`the model threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n\nprogram:\n${formatProgram(program)}`);
        }
        const divergence = firstDivergence(program, kernel, model);
        if (divergence !== null) throw new Error(divergence);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    if (details.failed) expect.fail(reproduce(details));
  });

  test('generated programs run to the end on the kernel', () => {
    const programs = fc.sample(programArb, { seed: SEED, numRuns: RUNS });
    const results = runOnKernelBatch(programs);
    programs.forEach((program, i) => {
      const obs = results[i] ?? [];
      // One observation per step, in order, and an intact universe.
      expect(obs.map((o) => o.step)).toEqual(flattenProgram(program).map((s) => s.index));
      expect(obs.slice(0, program.setup.length).every((o) => o.errno === null)).toBe(true);
    });
  });
});
