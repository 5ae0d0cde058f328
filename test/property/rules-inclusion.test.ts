/**
 * The exact subtree-inclusion check against brute force: the reference interpreter's rights on
 * sampled suffixes. "Included" must hold on every sample; "not included" must come with a
 * witness suffix that the reference confirms, gaining exactly the reported rights.
 * Reproduce a failure with FDWARDEN_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { IrPolicy } from '../../src/rules/ir.js';
import { compile } from '../../src/rules/compile.js';
import { subtreeRightsIncluded } from '../../src/rules/inclusion.js';
import { allowedRights } from '../../src/rules/decide.js';
import { referenceDecide } from '../../src/rules/reference.js';
import { allRights } from '../../src/rules/rights.js';
import { namesOf, pathArb, policyArb, policyPathArb, SEED } from '../unit/rules/arbitraries.js';

/** Rights the reference allows on a path, counting only unconditional rules. */
function referenceRights(p: IrPolicy, path: string): number {
  let m = 0;
  for (const d of referenceDecide(p, { path, rights: allRights(p.abi) })) if (d.effect === 'allow') m |= d.right;
  return m >>> 0;
}

/** Every string of one or two characters over a small alphabet, for exhaustive segments. */
const CHARS = ['a', 'b', 'c', 'x', 's', 't', '.', '*', ']', '!', '^', '-'];
const SHORT = [...CHARS, ...CHARS.flatMap((x) => CHARS.map((y) => x + y))].filter((n) => n !== '.' && n !== '..');

const join = (base: string, suffix: string) => (base === '/' ? suffix || '/' : base + suffix);

const caseArb = policyArb.chain((p0) => {
  const p: IrPolicy = { ...p0, rules: p0.rules.filter((r) => r.when === undefined) };
  const names = namesOf(p);
  const suffix = pathArb(names, 3).map((s) => (s === '/' ? '' : s));
  return fc.record({
    p: fc.constant(p),
    from: policyPathArb(p),
    to: policyPathArb(p),
    dir: fc.boolean(),
    suffixes: fc.array(suffix, { minLength: 1, maxLength: 30 }),
  });
});

describe('subtree inclusion = brute force', () => {
  test('agrees with the reference on sampled suffixes, and its witnesses are real', () => {
    let refuted = 0;
    fc.assert(
      fc.property(caseArb, ({ p, from, to, dir, suffixes }) => {
        const c = compile(p);
        const r = subtreeRightsIncluded(c, from, to, { dir });
        const sample = dir ? ['', ...suffixes] : [''];
        if (r.included) {
          for (const x of sample) {
            const gained = referenceRights(p, join(to, x)) & ~referenceRights(p, join(from, x));
            expect(gained, `suffix ${JSON.stringify(x)}`).toBe(0);
          }
        } else {
          refuted++;
          const x = r.witness!;
          if (!dir) expect(x).toBe('');
          const gained = (referenceRights(p, join(to, x)) & ~referenceRights(p, join(from, x))) >>> 0;
          expect(gained).toBe(r.escalated);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(refuted).toBeGreaterThan(20);
  });

  test('finds an escalation whenever an exhaustive search to depth 2 finds one', () => {
    fc.assert(
      fc.property(caseArb, ({ p, from, to }) => {
        const c = compile(p);
        const segs = [...new Set([...namesOf(p), ...SHORT])];
        const A = c.dfa.walk(from);
        const B = c.dfa.walk(to);
        const gains = (a: typeof A, b: typeof B) => (allowedRights(c, b) & ~allowedRights(c, a)) !== 0;
        let bad: string | undefined = gains(A, B) ? '' : undefined;
        for (const s1 of segs) {
          if (bad !== undefined) break;
          const [a1, b1] = [c.dfa.step(A, s1), c.dfa.step(B, s1)];
          if (gains(a1, b1)) bad = `/${s1}`;
          for (const s2 of segs) if (bad === undefined && gains(c.dfa.step(a1, s2), c.dfa.step(b1, s2))) bad = `/${s1}/${s2}`;
        }
        if (bad !== undefined) expect(subtreeRightsIncluded(c, from, to).included, `escalation at ${bad}`).toBe(false);
      }),
      { seed: SEED, numRuns: 700 },
    );
  });

  test('a path is always included in itself, and answers do not depend on caching', () => {
    fc.assert(
      fc.property(caseArb, ({ p, from, to }) => {
        const c = compile(p);
        expect(subtreeRightsIncluded(c, from, from)).toEqual({ included: true });
        expect(subtreeRightsIncluded(c, from, to)).toEqual(subtreeRightsIncluded(compile(p), from, to));
        const tiny = compile(p, { maxStates: 4, maxTransitions: 4 });
        expect(subtreeRightsIncluded(tiny, from, to).included).toBe(subtreeRightsIncluded(c, from, to).included);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
