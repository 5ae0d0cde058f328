/**
 * Work an attacker controls stays bounded: a policy whose automaton explodes (a segment counted
 * from a `**`) makes the rename/link check refuse with EXDEV and a reason instead of running
 * away, the diff stop with a WorkBoundExceeded, and the DFA keep its memory bound. Outcomes only:
 * speed lives in bench/rules.mjs.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/rules/compile.js';
import { decide } from '../../../src/rules/decide.js';
import { diffPolicies } from '../../../src/rules/diff.js';
import { engineFor } from '../../../src/rules/engine.js';
import { explain, renderExplanation } from '../../../src/rules/explain.js';
import { INCLUSION_MAX_WORK, subtreeRightsIncluded } from '../../../src/rules/inclusion.js';
import { judge } from '../../../src/rules/judge.js';
import type { Request } from '../../../src/rules/requests.js';
import { referenceDecide } from '../../../src/rules/reference.js';
import { compileWild, parsePattern } from '../../../src/rules/glob.js';
import { segmentRepresentatives } from '../../../src/rules/segment-alphabet.js';
import { WorkBoundExceeded, WorkBudget } from '../../../src/rules/budget.js';
import { allRights, bit } from '../../../src/rules/rights.js';
import { policy } from './helpers.js';

/** `deny write` on the 15th segment below any `secret`: a DFA state per subset of the last 15 steps. */
const EXPLODING = `/**/secret/${Array(15).fill('*').join('/')}`;
const adversarial = () => policy([
  { patterns: ['/w', '/w/**'], rights: allRights(1) },
  { effect: 'deny', patterns: [EXPLODING], rights: ['write'] },
]);

/** A directory rename from `from` to `to` on one mount, with nothing else to check. */
function renameDir(from: string, to: string): Request {
  const obj = (path: string) => ({ path, exists: true, mount: 1, steps: [] });
  return { syscall: 'renameat2', checks: [], refer: { from: obj(from), to: obj(to), subtree: true } };
}

describe('rename/link inclusion under an exploding automaton', () => {
  it('stops at its work bound and refuses, saying why', () => {
    const c = compile(adversarial());
    const before = c.dfa.work;
    const r = subtreeRightsIncluded(c, '/w/a', '/w/secret');
    expect(r.included).toBe(false);
    expect(r.undecided).toMatch(/no-escalation check exceeded its work bound \(2,000,000 steps\)/);
    expect(r.witness).toBeUndefined();
    // The automaton's own work is part of what is counted: it stays within the bound.
    expect(c.dfa.work - before).toBeLessThanOrEqual(INCLUSION_MAX_WORK);
  });

  it('refuses the same way with a smaller bound, and caches the refusal', () => {
    const c = compile(adversarial());
    const r = subtreeRightsIncluded(c, '/w/a', '/w/secret', { maxWork: 10_000 });
    expect(r).toEqual({ included: false, undecided: 'the no-escalation check exceeded its work bound (10,000 steps)' });
    const work = c.dfa.work;
    expect(subtreeRightsIncluded(c, '/w/a', '/w/secret', { maxWork: 10_000 })).toEqual(r);
    expect(c.dfa.work).toBe(work);
    // A bound on state pairs refuses too, rather than throwing.
    expect(subtreeRightsIncluded(c, '/w/a', '/w/secret', { maxPairs: 50 }).undecided).toMatch(/exceeded 50 state pairs/);
  });

  it('still decides exactly where the automaton is small, under the same policy', () => {
    const c = compile(adversarial());
    expect(subtreeRightsIncluded(c, '/w/a', '/w/b')).toEqual({ included: true });
    expect(subtreeRightsIncluded(c, '/w/secret/x', '/w/y', { dir: false })).toEqual({ included: true });
    expect(subtreeRightsIncluded(c, '/w/a', '/w/secret', { dir: false })).toEqual({ included: true });
    expect(subtreeRightsIncluded(c, '/etc/a', '/w/b', { dir: false })).toMatchObject({ included: false, witness: '' });
  });

  it('the judge refuses the rename with EXDEV and the explanation names the bound', () => {
    const e = engineFor(adversarial());
    expect(e.refer('/w/a', '/w/secret', true)).toEqual({ ok: false, witness: '', reason: expect.stringMatching(/work bound/) });
    const v = judge(e, renameDir('/w/a', '/w/secret'));
    expect(v.allowed).toBe(false);
    expect(v.errno).toBe('EXDEV');
    expect(v.escalation?.reason).toMatch(/the no-escalation check exceeded its work bound/);
    const x = explain(e.policy, v);
    expect(x.escalationReason).toBe(v.escalation?.reason);
    const text = renderExplanation(x);
    expect(text).toMatch(/escalation: undecided, the no-escalation check exceeded its work bound \(2,000,000 steps\) → EXDEV/);
    expect(x.fix).toMatch(/count segments below a `\*\*`/);
    // A rename the check can decide goes through.
    expect(judge(e, renameDir('/w/a', '/w/b')).allowed).toBe(true);
  });

  it('a real escalation keeps its witness and no reason', () => {
    const e = engineFor(policy([
      { patterns: ['/a/**', '/b/**'], rights: ['read', 'write'] },
      { effect: 'deny', patterns: ['/a/**/k'], rights: ['write'] },
    ]));
    const v = judge(e, renameDir('/a/x', '/b/x'));
    expect(v).toMatchObject({ allowed: false, errno: 'EXDEV', escalation: { witness: '/k' } });
    expect(v.escalation?.reason).toBeUndefined();
    expect(renderExplanation(explain(e.policy, v))).toMatch(/exceed the source's at suffix '\/k' → EXDEV/);
  });
});

describe('policy diff under an exploding automaton', () => {
  const plain = policy([{ patterns: ['/w', '/w/**'], rights: allRights(1) }]);

  it('stops at its work bound with a RangeError that says so', () => {
    let caught: unknown;
    try {
      diffPolicies(plain, adversarial());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WorkBoundExceeded);
    expect(caught).toBeInstanceOf(RangeError);
    expect((caught as Error).message).toMatch(/^the policy diff exceeded its work bound \([\d,]+ steps\)$/);
  });

  it('decides small policies well within the bound, and reports the work spent', () => {
    const d = diffPolicies(plain, policy([{ patterns: ['/w', '/w/**'], rights: allRights(1) }, { effect: 'deny', patterns: ['/w/**/secret/*'], rights: ['write'] }]));
    expect(d.label).toBe('narrowing');
    expect(d.lost[0]).toMatchObject({ right: 'write', path: '/w/secret/x' });
    expect(d.stats.work).toBeGreaterThan(0);
    expect(d.stats.work).toBeLessThan(2_000_000);
  });
});

describe('the segment alphabet search', () => {
  it('is charged to a budget and stops with WorkBoundExceeded', () => {
    const wilds = ['*a*b*c*', '*b*c*a*', '*c*a*b*', '[!x]*', '?*z'].map(compileWild);
    const budget = new WorkBudget(500, 'a test');
    expect(() => segmentRepresentatives(wilds, ['abc'], undefined, budget)).toThrow(WorkBoundExceeded);
    expect(() => segmentRepresentatives(wilds, ['abc'], 3)).toThrow(/segment alphabet search exceeded 3 states/);
    expect(segmentRepresentatives(wilds, ['abc']).length).toBeGreaterThan(1);
  });
});

describe('the lazy DFA', () => {
  it('bounds the NFA nodes its states hold, and decides the same across the drops', () => {
    // Rules under `**`: a state holds one looping node per `**` entered so far.
    const p = policy(Array.from({ length: 40 }, (_, i) => ({ patterns: [`/**/d${i}/**`], rights: bit('read') })));
    const small = compile(p, { maxStateNodes: 200 });
    const paths = Array.from({ length: 60 }, (_, i) => '/' + Array.from({ length: 12 }, (_, k) => `d${(i * 7 + k * 3) % 45}`).join('/'));
    for (const path of paths) expect(decide(small, { path, rights: bit('read') })).toEqual(referenceDecide(p, { path, rights: bit('read') }));
    expect(small.dfa.flushes).toBeGreaterThan(0);
    expect(compile(p).dfa.flushes).toBe(0);
  });

  it('a decide over a 4096-segment path does work linear in its depth', () => {
    const p = adversarial();
    const workFor = (depth: number): number => {
      const c = compile(p);
      const path = '/w/' + Array.from({ length: depth }, (_, i) => (i % 3 === 0 ? 'secret' : `x${i % 5}`)).join('/');
      const before = c.dfa.work;
      expect(decide(c, { path, rights: allRights(1) })).toEqual(referenceDecide(p, { path, rights: allRights(1) }));
      return c.dfa.work - before;
    };
    const w1 = workFor(1024);
    const w4 = workFor(4096);
    // Every step costs at most the NFA's size, so four times the depth is about four times the work.
    expect(w4).toBeLessThanOrEqual(4.5 * w1);
    expect(w4).toBeLessThanOrEqual(4096 * 4 * compile(p).dfa.nfa.nodes.length);
  });

  it('takes many rules on one pattern and a very long segment without running out of stack', () => {
    const many = policy(Array.from({ length: 150_000 }, () => ({ patterns: ['/a'] })));
    expect(decide(compile(many), { path: '/a', rights: bit('read') })[0]).toMatchObject({ effect: 'allow', rule: 0 });
    const long = 'x'.repeat(200_000);
    expect(parsePattern(`/d/${long}`).segments[1]).toEqual({ kind: 'literal', text: long });
  });
});
