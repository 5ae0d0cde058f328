import { describe, expect, it } from 'vitest';
import type { IrPolicy } from '../../../src/rules/ir.js';
import { compile } from '../../../src/rules/compile.js';
import { allowedMask, decide, decideAll, matchingRules, tierMasks, type Query } from '../../../src/rules/decide.js';
import { referenceDecide } from '../../../src/rules/reference.js';
import { allRights, bit } from '../../../src/rules/rights.js';
import { mask, policy } from './helpers.js';

const READ = bit('read');
const WRITE = bit('write');
const O_TRUNC = 0o1000;
const O_EXCL = 0o200;

/** Decides with the compiled engine and checks the reference says the same. */
function both(p: IrPolicy, q: Query) {
  const got = decide(compile(p), q);
  expect(got).toEqual(referenceDecide(p, q));
  return got;
}

describe('decide', () => {
  it('applies the default when nothing matches, with its errno', () => {
    const p = policy([{ patterns: ['/srv/**'] }]);
    expect(both(p, { path: '/etc/passwd', rights: READ })).toEqual([{ right: READ, effect: 'deny', errno: 'EACCES', matched: [] }]);
    const open = policy([{ effect: 'deny', patterns: ['/srv/**'] }], { default: { effect: 'allow', errno: 'EACCES' } });
    expect(both(open, { path: '/etc/passwd', rights: READ })).toEqual([{ right: READ, effect: 'allow', matched: [] }]);
  });

  it('decides each requested right on its own, in bit order', () => {
    const p = policy([{ patterns: ['/srv/**'], rights: ['read'] }]);
    const d = both(p, { path: '/srv/a', rights: READ | WRITE });
    expect(d.map((x) => [x.right, x.effect, x.rule])).toEqual([[READ, 'allow', 0], [WRITE, 'deny', undefined]]);
    expect(decideAll(compile(p), { path: '/srv/a', rights: READ | WRITE })).toMatchObject({ allowed: false, errno: 'EACCES' });
    expect(decideAll(compile(p), { path: '/srv/a', rights: READ }).allowed).toBe(true);
  });

  it('a deny beats an allow within a tier, and is not silent about which rule', () => {
    const p = policy([
      { patterns: ['/home/u/**'], rights: ['read', 'write'] },
      { effect: 'deny', patterns: ['/home/u/.ssh/**'], rights: ['read'], errno: 'ENOENT' },
    ]);
    const [r, w] = both(p, { path: '/home/u/.ssh/id', rights: READ | WRITE });
    expect(r).toEqual({ right: READ, effect: 'deny', errno: 'ENOENT', rule: 1, matched: [0, 1] });
    expect(w).toEqual({ right: WRITE, effect: 'allow', rule: 0, matched: [0] });
  });

  it('a higher tier overrides lower ones wherever it matches', () => {
    const p = policy([
      { effect: 'deny', patterns: ['/srv/**'], rights: ['write'] },
      { tier: 1, patterns: ['/srv/gen/**'], rights: ['write'] },
      { tier: -1, patterns: ['/**'], rights: ['write'] },
    ]);
    expect(both(p, { path: '/srv/gen/x', rights: WRITE })[0]).toMatchObject({ effect: 'allow', rule: 1, matched: [0, 1, 2] });
    expect(both(p, { path: '/srv/x', rights: WRITE })[0]).toMatchObject({ effect: 'deny', rule: 0 });
    expect(both(p, { path: '/tmp/x', rights: WRITE })[0]).toMatchObject({ effect: 'allow', rule: 2 });
  });

  it('except removes a rule exactly where its except matches', () => {
    const p = policy(
      [{ effect: 'deny', rights: allRights(), patterns: ['/home/u/.ssh', '/home/u/.ssh/**'], except: ['/home/u/.ssh/known_hosts'], errno: 'ENOENT' }],
      { default: { effect: 'allow', errno: 'EACCES' } },
    );
    expect(both(p, { path: '/home/u/.ssh/known_hosts', rights: READ })[0]).toMatchObject({ effect: 'allow', matched: [] });
    expect(both(p, { path: '/home/u/.ssh/id', rights: READ })[0]).toMatchObject({ effect: 'deny', errno: 'ENOENT' });
    expect(both(p, { path: '/home/u/.ssh', rights: READ })[0]).toMatchObject({ effect: 'deny' });
    expect(matchingRules(compile(p), '/home/u/.ssh/known_hosts')).toEqual([]);
  });

  it('errno ties go to the longest literal prefix, then the lowest id', () => {
    const p = policy([
      { effect: 'deny', patterns: ['/srv/**'], errno: 'EPERM' },
      { effect: 'deny', patterns: ['/srv/src/*.ts'], errno: 'EROFS' },
      { effect: 'deny', patterns: ['/srv/src/*'], errno: 'EBUSY' },
      { effect: 'deny', patterns: ['/**/*.ts'] },
    ]);
    expect(both(p, { path: '/srv/src/a.ts', rights: READ })[0]).toMatchObject({ errno: 'EROFS', rule: 1 });
    expect(both(p, { path: '/srv/x', rights: READ })[0]).toMatchObject({ errno: 'EPERM', rule: 0 });
    // A rule without errno that wins the tie reports the policy default.
    const q = policy([{ effect: 'deny', patterns: ['/a/b'] }, { effect: 'deny', patterns: ['/a/*'], errno: 'EROFS' }]);
    expect(both(q, { path: '/a/b', rights: READ })[0]).toMatchObject({ errno: 'EACCES', rule: 0 });
  });

  it('the specificity of a rule is that of its pattern that matched', () => {
    const p = policy([
      { effect: 'deny', patterns: ['/**/x', '/a/b/c/d/e/f/g'], errno: 'EPERM' },
      { effect: 'deny', patterns: ['/a/*/x'], errno: 'EROFS' },
    ]);
    expect(both(p, { path: '/a/b/x', rights: READ })[0]).toMatchObject({ errno: 'EROFS', rule: 1 });
  });

  it('decides an unknown path by policy.unknown', () => {
    const p = policy([{ patterns: ['/**'] }], { unknown: { effect: 'deny', errno: 'EPERM' } });
    expect(both(p, { path: undefined, rights: READ })).toEqual([{ right: READ, effect: 'deny', errno: 'EPERM', matched: [] }]);
    const q = policy([], { unknown: { effect: 'allow', errno: 'EPERM' } });
    expect(both(q, { path: undefined, rights: READ | WRITE }).map((d) => d.effect)).toEqual(['allow', 'allow']);
  });

  it('filters conditional rules per request', () => {
    const p = policy([
      { patterns: ['/srv/**'], rights: ['write', 'truncate'] },
      { effect: 'deny', patterns: ['/srv/**'], rights: ['truncate'], when: { flagsHas: [O_TRUNC] }, errno: 'EROFS' },
      { patterns: ['/srv/new/*'], rights: ['create'], when: { flagsHas: [O_EXCL], type: 'file' } },
      { effect: 'deny', patterns: ['/srv/**'], rights: ['write'], when: { flagsLacks: [O_EXCL] }, tier: 1 },
    ]);
    const T = bit('truncate');
    const C = bit('create');
    expect(both(p, { path: '/srv/f', rights: T, flags: O_TRUNC })[0]).toMatchObject({ effect: 'deny', errno: 'EROFS' });
    expect(both(p, { path: '/srv/f', rights: T, flags: 0 })[0]).toMatchObject({ effect: 'allow' });
    expect(both(p, { path: '/srv/new/f', rights: C, flags: O_EXCL, type: 'file' })[0]).toMatchObject({ effect: 'allow' });
    expect(both(p, { path: '/srv/new/f', rights: C, flags: O_EXCL })[0]).toMatchObject({ effect: 'deny' });
    expect(both(p, { path: '/srv/f', rights: WRITE })[0]).toMatchObject({ effect: 'deny', rule: 3 });
    expect(both(p, { path: '/srv/f', rights: WRITE, flags: O_EXCL })[0]).toMatchObject({ effect: 'allow', rule: 0 });
    expect(allowedMask(compile(p), { path: '/srv/f', flags: O_EXCL })).toBe(mask(['write', 'truncate']));
  });

  it('does not depend on the order of rules in the IR, only on ids', () => {
    const p = policy([
      { effect: 'deny', patterns: ['/a/*'], errno: 'EROFS' },
      { effect: 'deny', patterns: ['/a/?'], errno: 'EPERM' },
    ]);
    const reversed = { ...p, rules: [...p.rules].reverse() };
    expect(decide(compile(reversed), { path: '/a/b', rights: READ })).toEqual(decide(compile(p), { path: '/a/b', rights: READ }));
  });

  it('keeps tier masks per state, highest tier first', () => {
    const p = policy([
      { patterns: ['/a/**'], rights: ['read', 'write'] },
      { effect: 'deny', patterns: ['/a/b'], rights: ['write'], tier: 2 },
      { patterns: ['/a/b'], rights: ['stat'], when: { type: 'dir' } },
    ]);
    const c = compile(p);
    expect(tierMasks(c, c.dfa.walk('/a/b'))).toEqual([{ tier: 2, allow: 0, deny: WRITE }, { tier: 0, allow: READ | WRITE, deny: 0 }]);
    expect(allowedMask(c, { path: '/a/b' })).toBe(READ);
    expect(allowedMask(c, { path: '/a/b', type: 'dir' })).toBe(READ | bit('stat'));
    expect(decide(c, { path: '/a/b', rights: 0 })).toEqual([]);
  });
});
