import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/rules/compile.js';
import { compileWild } from '../../../src/rules/glob.js';
import { segmentRepresentatives, subtreeRightsIncluded } from '../../../src/rules/inclusion.js';
import { bit } from '../../../src/rules/rights.js';
import { mask, policy } from './helpers.js';

const RW = mask(['read', 'write']);

describe('subtree rights inclusion', () => {
  const p = compile(
    policy([
      { patterns: ['/tmp/**', '/srv/**'], rights: ['read', 'write'] },
      { effect: 'deny', patterns: ['/srv/**/.git/**'], rights: ['write'] },
      { patterns: ['/home/u/**/*.key'], rights: ['read'] },
      { effect: 'deny', patterns: ['/tmp/**/*.key'], rights: ['read'] },
    ]),
  );

  it('allows moves between equally governed places', () => {
    expect(subtreeRightsIncluded(p, '/tmp/a', '/tmp/b')).toEqual({ included: true });
    expect(subtreeRightsIncluded(p, '/tmp/a/b', '/tmp/c')).toEqual({ included: true });
  });

  it('finds the suffix where the destination gains a right', () => {
    // /srv denies writes below any .git; /tmp does not.
    const r = subtreeRightsIncluded(p, '/srv/x', '/tmp/x');
    expect(r).toEqual({ included: false, witness: '/.git/.git', escalated: bit('write') });
    // The reverse direction only loses rights.
    expect(subtreeRightsIncluded(p, '/tmp/x', '/srv/x').included).toBe(false); // .key files become readable
    expect(subtreeRightsIncluded(p, '/tmp/x', '/srv/x', { rights: bit('write') }).included).toBe(true);
  });

  it('checks only the object itself for a non-directory', () => {
    expect(subtreeRightsIncluded(p, '/srv/x', '/tmp/x', { dir: false }).included).toBe(true);
    expect(subtreeRightsIncluded(p, '/etc/x', '/tmp/x', { dir: false })).toMatchObject({ included: false, witness: '', escalated: RW });
  });

  it('finds witnesses that need a wildcard combination', () => {
    const q = compile(policy([{ patterns: ['/b/**'] }, { effect: 'deny', patterns: ['/b/[!.]*x'] }, { patterns: ['/a/*x'] }]));
    // Under /a only names ending in x are readable; under /b those are denied unless dotted.
    expect(subtreeRightsIncluded(q, '/a', '/b')).toEqual({ included: false, witness: '/y', escalated: bit('read') });
    const r = subtreeRightsIncluded(q, '/b', '/a');
    expect(r).toEqual({ included: false, witness: '/xx', escalated: bit('read') });
  });

  it('ignores rules with conditions', () => {
    const q = compile(policy([{ patterns: ['/a/**'], when: { type: 'dir' } }]));
    expect(subtreeRightsIncluded(q, '/b', '/a').included).toBe(true);
  });
});

describe('segment representatives', () => {
  it('gives one segment per realisable combination of wildcard matches', () => {
    const wilds = ['*.ts', 'a*', '[!.]*'].map(compileWild);
    const reps = segmentRepresentatives(wilds, ['a.ts']);
    const sigs = reps.map((s) => wilds.map((w) => (w.match(s) ? 1 : 0)).join(''));
    expect(new Set(sigs).size).toBe(reps.length);
    // .ts alone, x, a, .x, a.ts excluded but ax.ts realises 111 as well.
    expect(new Set(sigs)).toEqual(new Set(['000', '001', '011', '100', '101', '111']));
    expect(reps).not.toContain('a.ts');
    expect(reps).not.toContain('.');
  });

  it('with no wildcards, one segment stands for every unlisted name', () => {
    expect(segmentRepresentatives([], ['x'])).toEqual(['y']);
  });
});
