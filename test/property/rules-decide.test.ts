/**
 * The compiled matcher against the reference interpreter, and the policy meta-theorems (default,
 * deny overrides, order and duplicate independence, monotonicity) on random policies.
 * Reproduce a failure with FDWARDEN_SEED=<seed> (fast-check prints the seed and path).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { IrPolicy, RightDecision } from '../../src/rules/ir.js';
import { compile } from '../../src/rules/compile.js';
import { decide, matchingRules, type Query } from '../../src/rules/decide.js';
import { referenceDecide } from '../../src/rules/reference.js';
import { literalPattern, namesOf, policyWithQueries, queryArb, ruleBodyArb, SEED, withId } from '../unit/rules/arbitraries.js';

const RUNS = { seed: SEED, numRuns: 250 };

const outcome = (ds: RightDecision[]) => ds.map((d) => `${d.right}:${d.effect}:${d.errno ?? ''}`);

describe('compiled matcher = reference interpreter', () => {
  test('same decisions on every request', () => {
    fc.assert(
      fc.property(policyWithQueries, ([p, queries]) => {
        const c = compile(p);
        for (const q of queries) expect(decide(c, q), JSON.stringify(q)).toEqual(referenceDecide(p, q));
      }),
      { ...RUNS, numRuns: 400 },
    );
  });

  test('same answers with a tiny state cache (flushes mid-walk)', () => {
    fc.assert(
      fc.property(policyWithQueries, ([p, queries]) => {
        const c = compile(p, { maxStates: 4, maxTransitions: 4 });
        for (const q of queries) expect(decide(c, q)).toEqual(referenceDecide(p, q));
      }),
      RUNS,
    );
  });
});

describe('meta-theorems', () => {
  test('the default decides when no rule matches', () => {
    fc.assert(
      fc.property(policyWithQueries, ([p, queries]) => {
        const c = compile(p);
        for (const q of queries) {
          if (q.path === undefined || matchingRules(c, q.path).length > 0) continue;
          for (const d of decide(c, q)) {
            expect(d.effect).toBe(p.default.effect);
            expect(d.errno).toBe(p.default.effect === 'deny' ? p.default.errno : undefined);
            expect(d.rule).toBeUndefined();
          }
        }
      }),
      RUNS,
    );
  });

  test('a matching deny in the deciding tier overrides every allow', () => {
    fc.assert(
      fc.property(policyWithQueries, ([p, queries]) => {
        const c = compile(p);
        for (const q of queries) {
          if (q.path === undefined) continue;
          for (const d of decide(c, q)) {
            if (d.effect !== 'allow' || d.rule === undefined) continue;
            const tier = p.rules.find((r) => r.id === d.rule)!.tier;
            const deny = withId({ effect: 'deny', tier, rights: d.right, patterns: [literalPattern(q.path)], except: [] }, p.rules.length);
            const after = decide(compile({ ...p, rules: [...p.rules, deny] }), { ...q, rights: d.right });
            expect(after[0]).toMatchObject({ effect: 'deny', errno: p.default.errno });
          }
        }
      }),
      RUNS,
    );
  });

  test('decisions do not depend on rule order or duplicated rules', () => {
    const arb = policyWithQueries.chain(([p, qs]) =>
      fc.tuple(fc.constant(p), fc.constant(qs), fc.shuffledSubarray(p.rules, { minLength: p.rules.length }), fc.subarray(p.rules)),
    );
    fc.assert(
      fc.property(arb, ([p, queries, shuffled, dups]) => {
        const a = compile(p);
        const permuted = compile({ ...p, rules: shuffled });
        const duplicated = compile({ ...p, rules: [...shuffled, ...dups.map((r, i) => ({ ...r, id: p.rules.length + i }))] });
        for (const q of queries) {
          const base = decide(a, q);
          expect(decide(permuted, q)).toEqual(base);
          expect(outcome(decide(duplicated, q))).toEqual(outcome(base));
        }
      }),
      RUNS,
    );
  });

  test('adding an allow never removes an allow; adding a deny never adds one', () => {
    const arb = policyWithQueries.chain(([p, qs]) => fc.tuple(fc.constant(p), fc.constant(qs), ruleBodyArb));
    fc.assert(
      fc.property(arb, ([p, queries, body]) => {
        const before = compile(p);
        const added = compile({ ...p, rules: [...p.rules, withId(body, p.rules.length)] });
        for (const q of queries) {
          const was = decide(before, q);
          const now = decide(added, q);
          now.forEach((d, i) => {
            if (body.effect === 'allow' && was[i]!.effect === 'allow') expect(d.effect).toBe('allow');
            if (body.effect === 'deny' && was[i]!.effect === 'deny') expect(d.effect).toBe('deny');
          });
        }
      }),
      RUNS,
    );
  });

  test('a policy with only unconditional rules ignores flags and type', () => {
    const arb = policyWithQueries.chain(([p, qs]) => fc.tuple(fc.constant(p), fc.constant(qs), queryArb(namesOf(p))));
    fc.assert(
      fc.property(arb, ([p0, queries]) => {
        const p: IrPolicy = { ...p0, rules: p0.rules.map(({ when: _w, ...r }) => r) };
        const c = compile(p);
        for (const q of queries) {
          const bare: Query = { path: q.path, rights: q.rights };
          expect(decide(c, q)).toEqual(decide(c, bare));
        }
      }),
      RUNS,
    );
  });
});
