/**
 * The semantic policy diff against the reference interpreter, on random policy pairs (a random
 * policy and an edit of it, or two unrelated ones):
 * (a) every reported witness really gains / loses its right in its context (errno changes too);
 * (b) on sampled paths and request contexts, every gain or loss found by brute force is reported,
 *     with a witness of no more segments than the sampled path;
 * (c) a policy diffed with itself, or with its rules reordered and duplicated, is equivalent.
 * Reproduce a failure with FDWARDEN_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { IrPolicy } from '../../src/rules/ir.js';
import { referenceDecide } from '../../src/rules/reference.js';
import { compile } from '../../src/rules/compile.js';
import { allowedMask, bitsOf } from '../../src/rules/decide.js';
import { diffPolicies, type RequestContext } from '../../src/rules/diff.js';
import { allRights } from '../../src/rules/rights.js';
import { FLAGS, instanceArb, namesOf, pathArb, policyArb, ruleBodyArb, SEED, withId } from '../unit/rules/arbitraries.js';

const ALL = allRights(1);

/** Rights the reference allows for a query, conditions applied. */
function refAllowed(p: IrPolicy, path: string, ctx: RequestContext): number {
  let m = 0;
  for (const d of referenceDecide(p, { path, rights: ALL, type: ctx.type, flags: ctx.flags })) if (d.effect === 'allow') m |= d.right;
  return m >>> 0;
}

function refErrno(p: IrPolicy, path: string, bit: number, ctx: RequestContext): string | undefined {
  const d = referenceDecide(p, { path, rights: bit, type: ctx.type, flags: ctx.flags })[0]!;
  return d.effect === 'deny' ? d.errno : undefined;
}

const segments = (path: string): number => (path === '/' ? 0 : path.split('/').length - 1);

/** Every type a generated rule names, unknown, and one no rule names; flag words over FLAGS. */
const CONTEXTS: RequestContext[] = [undefined, 'file', 'dir', 'symlink', 'socket'].flatMap((type) =>
  Array.from({ length: 1 << FLAGS.length }, (_, s) => ({
    type: type as RequestContext['type'],
    flags: FLAGS.reduce((f, x, i) => (s & (1 << i) ? f | x : f), 0),
  })),
);

/** A new policy made from the old one: rules added, dropped, changed, or a fresh policy. */
function editArb(p: IrPolicy): fc.Arbitrary<IrPolicy> {
  const renumber = (rules: IrPolicy['rules']): IrPolicy => ({ ...p, rules: rules.map((r, id) => ({ ...r, id })) });
  return fc.oneof(
    policyArb,
    fc.array(ruleBodyArb, { minLength: 1, maxLength: 2 }).map((extra) => renumber([...p.rules, ...extra.map((b, i) => withId(b, p.rules.length + i))])),
    fc.nat().map((k) => renumber(p.rules.filter((_, i) => p.rules.length === 0 || i !== k % p.rules.length))),
    fc.tuple(fc.nat(), ruleBodyArb).map(([k, body]) => renumber(p.rules.map((r, i) => (i === k % Math.max(1, p.rules.length) ? withId(body, i) : r)))),
    fc.constantFrom<'allow' | 'deny'>('allow', 'deny').map((effect) => ({ ...p, default: { ...p.default, effect } })),
  );
}

const pairArb = policyArb.chain((o) =>
  editArb(o).chain((n) => {
    const names = namesOf({ ...o, rules: [...o.rules, ...n.rules] });
    const path = fc.oneof(pathArb(names, 4), instanceArb(o, names), instanceArb(n, names));
    return fc.record({ o: fc.constant(o), n: fc.constant(n), paths: fc.array(path, { minLength: 1, maxLength: 10 }) });
  }),
);

/** Runs a property with the project seed, naming the seed in any failure. */
function check<T>(arb: fc.Arbitrary<T>, body: (x: T) => void, numRuns: number): void {
  try {
    fc.assert(fc.property(arb, body), { seed: SEED, numRuns });
  } catch (e) {
    throw new Error(`property failed with FDWARDEN_SEED=${SEED}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

describe('policy diff = brute force', () => {
  test('witnesses are real, and every sampled change is reported with a witness as short', () => {
    let changes = 0;
    check(pairArb, ({ o, n, paths }) => {
      const d = diffPolicies(o, n);
      const [co, cn] = [compile(o), compile(n)];
      // (a) witnesses, checked on the compiled policies and on the reference.
      for (const c of [...d.gained, ...d.lost]) {
        const q = { path: c.path, type: c.context.type, flags: c.context.flags };
        const expected = c.change === 'gained' ? [0, c.bit] : [c.bit, 0];
        expect([allowedMask(co, q) & c.bit, allowedMask(cn, q) & c.bit], `${c.change} ${c.right} ${c.path}`).toEqual(expected);
        expect([refAllowed(o, c.path, c.context) & c.bit, refAllowed(n, c.path, c.context) & c.bit]).toEqual(expected);
      }
      for (const e of d.errnos) {
        const [x, y] = [refErrno(o, e.path, e.bit, e.context), refErrno(n, e.path, e.bit, e.context)];
        expect(x !== undefined && y !== undefined && x !== y, `errno ${e.right} ${e.path}`).toBe(true);
      }
      // (b) completeness and minimality on samples.
      const gained = new Map(d.gained.map((c) => [c.bit, c]));
      const lost = new Map(d.lost.map((c) => [c.bit, c]));
      for (const path of paths) {
        for (const ctx of CONTEXTS) {
          const [ro, rn] = [refAllowed(o, path, ctx), refAllowed(n, path, ctx)];
          for (const [bits, found, what] of [[rn & ~ro, gained, 'gain'], [ro & ~rn, lost, 'loss']] as const) {
            for (const bit of bitsOf(bits >>> 0)) {
              changes++;
              const w = found.get(bit);
              expect(w, `${what} of right ${bit} at ${path} ${JSON.stringify(ctx)} not reported`).toBeDefined();
              expect(segments(w!.path)).toBeLessThanOrEqual(segments(path));
            }
          }
        }
      }
      const gains = d.gained.length > 0 || d.unknownObjects.gained !== 0;
      const losses = d.lost.length > 0 || d.unknownObjects.lost !== 0;
      expect(d.label).toBe(gains && losses ? 'both' : gains ? 'widening' : losses ? 'narrowing' : 'equivalent');
    }, 200);
    expect(changes).toBeGreaterThan(200);
  });

  test('a policy is equivalent to itself and to its rules reordered and duplicated', () => {
    const arb = policyArb.chain((p) => fc.tuple(fc.constant(p), fc.shuffledSubarray(p.rules, { minLength: p.rules.length }), fc.subarray(p.rules)));
    check(arb, ([p, shuffled, dup]) => {
      const same = diffPolicies(p, structuredClone(p));
      expect(same).toMatchObject({ label: 'equivalent', gained: [], lost: [], errnos: [], settings: [] });
      const q: IrPolicy = { ...p, rules: [...shuffled, ...dup].map((r, id) => ({ ...r, id })) };
      const d = diffPolicies(p, q);
      // Ids break errno ties, so only decisions must stay.
      expect({ label: d.label, gained: d.gained, lost: d.lost }).toEqual({ label: 'equivalent', gained: [], lost: [] });
    }, 150);
  });
});
