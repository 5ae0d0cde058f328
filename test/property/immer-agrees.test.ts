/**
 * The hot path (handlers mutating the live state) and the immutable path (the same handlers on
 * immer drafts, with patches) must agree on every outcome and on the final state.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Kernel } from '../../src/state/kernel.js';
import type { Outcome } from '../../src/state/calls.js';
import type { State } from '../../src/state/types.js';
import { applyWithPatches, freezeState, snapshot } from '../../src/state/snapshot.js';
import { programArb } from '../kernel/arbitraries.js';
import { ROOT, toCall } from '../kernel/model-runner.js';
import type { Program, Step } from '../kernel/program.js';

const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x0fd3a2d);

/** Runs a program's steps (forks as a clone, the child's steps, its exit) with `apply`. */
function drive(program: Program, apply: (tid: number, step: Step | 'exit') => Outcome): Outcome[] {
  const outs: Outcome[] = [];
  const run = (tid: number, steps: readonly Step[]): void => {
    for (const step of steps) {
      const out = apply(tid, step);
      outs.push(out);
      if (step.op === 'fork' && out.ok) {
        run(out.ret, step.child);
        apply(out.ret, 'exit');
      }
    }
  };
  run(1, program.setup);
  run(1, program.steps);
  return outs;
}

function start(nofile: number): Kernel {
  const k = new Kernel();
  k.spawn({ tid: 1, cwd: ROOT, nofile });
  return k;
}

describe('immer path = hot path', () => {
  test('same outcomes and same final state on random programs', () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const live = start(program.nofile);
        const hot = drive(program, (tid, step) => live.syscall(tid, step === 'exit' ? { sys: 'exit', group: true } : toCall(step)));
        let state: State = freezeState(start(program.nofile));
        const immut = drive(program, (tid, step) => {
          const r = applyWithPatches(state, live.view, tid, step === 'exit' ? { sys: 'exit', group: true } : toCall(step));
          state = r.state;
          return r.outcome;
        });
        expect(immut).toEqual(hot);
        expect(snapshot(new Kernel({ state: structuredClone(state) }))).toEqual(snapshot(live));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
