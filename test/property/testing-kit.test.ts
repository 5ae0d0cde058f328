/**
 * The testing kit's proof against the reference interpreter: on random policies and random
 * promise globs, a proof that holds is never contradicted by a sampled path, and a witness is
 * always a real counterexample (inside the area, decided as claimed by the naive fold).
 * Sampled programs run through the model without throwing and agree with the proof.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compilePromise, loadPolicyInput, provePromise, programArbitrary, buildWorld, runProgram, findingFor, type PromiseKind } from '../../src/testing/index.js';
import { referenceDecide, referenceMatch } from '../../src/rules/reference.js';
import type { IrPolicy } from '../../src/rules/ir.js';
import { bit } from '../../src/rules/rights.js';
import { patternArb, policyArb, policyPathArb, SEED } from '../unit/rules/arbitraries.js';
import { HIDE_SSH, VARS } from '../unit/testing/fixtures.js';

const APPEND = bit('append');
const WRITE = bit('write');

/** The reference decision for one right, `append` satisfied by `write` as the judge does. */
function refEffect(p: IrPolicy, path: string, right: number, type: string | undefined, flags: number | undefined): 'allow' | 'deny' {
  const q = { path, rights: right, type, flags };
  const d = referenceDecide(p, q)[0]!.effect;
  if (d === 'deny' && right === APPEND && referenceDecide(p, { ...q, rights: WRITE })[0]!.effect === 'allow') return 'allow';
  return d;
}

const TYPES = [undefined, 'file', 'dir', 'symlink'];

describe('promise proofs agree with the reference interpreter', () => {
  test('holds ⇒ no sampled path breaks it; a witness breaks it', () => {
    fc.assert(
      fc.property(
        policyArb.chain((p) =>
          fc.record({
            policy: fc.constant(p),
            kind: fc.constantFrom<PromiseKind>('never', 'always', 'only'),
            right: fc.constantFrom('read', 'write', 'append', 'truncate'),
            globs: fc.array(patternArb, { minLength: 1, maxLength: 2 }),
            paths: fc.array(policyPathArb(p), { maxLength: 30 }),
            type: fc.constantFrom(...TYPES),
            flags: fc.integer({ min: 0, max: 0o1777 }),
          }),
        ),
        ({ policy, kind, right, globs, paths, type, flags }) => {
          const loaded = loadPolicyInput(policy);
          // A promise over the globs as written (patternArb's globs are already normalised).
          const pr = compilePromise(loaded, kind, { right, path: `{${globs.join(',')}}` });
          // Promise text is Unicode (é is two bytes in the IR), so compare with the globs the proof used.
          if (globs.every((g) => /^[\x00-\x7f]*$/.test(g))) expect([...pr.globs].sort()).toEqual([...new Set(globs)].sort());
          const inArea = (x: string): boolean => pr.globs.some((g) => referenceMatch(g, x)) !== (kind === 'only');
          const bad = kind === 'always' ? 'deny' : 'allow';
          const r = provePromise(loaded.engine.compiled, pr);
          if (r.witness) {
            const w = r.witness;
            expect(inArea(w.path)).toBe(true);
            expect(refEffect(policy, w.path, w.right, w.context.type, w.context.flags)).toBe(bad);
            return;
          }
          expect(r.undecided).toBeUndefined();
          for (const x of paths) {
            if (!inArea(x)) continue;
            expect({ x, effect: refEffect(policy, x, bit(right as 'read'), type, flags) }).not.toEqual({ x, effect: bad });
          }
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe('sampled programs', () => {
  test('run through the model without throwing, and never break a promise the proof holds on hide-ssh', () => {
    const loaded = loadPolicyInput(HIDE_SSH, { vars: VARS });
    const pr = compilePromise(loaded, 'never', { right: 'write,create,delete,rename-to,link,symlink,mkdir', path: 'under $HOME/.ssh' });
    expect(provePromise(loaded.engine.compiled, pr).holds).toBe(true);
    const world = buildWorld(pr.globs);
    fc.assert(
      fc.property(programArbitrary(world, { maxLength: 10, rights: pr.rights }), (ops) => {
        const run = runProgram(loaded.engine, world, ops);
        expect(run.steps.length).toBeLessThanOrEqual(ops.length);
        for (const s of run.steps) expect(findingFor(pr, s, 1)).toBeUndefined();
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
