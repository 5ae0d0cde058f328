/** Renames and links stay no escalation under a learned policy. */
import { describe, expect, it } from 'vitest';
import { bit } from '../../../src/rules/rights.js';
import { balanceRefers } from '../../../src/learn/refer.js';

describe('balanceRefers', () => {
  it('gives the old name of a renamed file the rights used at its new name', () => {
    const exact = new Map([['/w/x.tmp', bit('create') | bit('rename-from')], ['/w/x', bit('rename-to') | bit('read')]]);
    const added = balanceRefers([{ from: '/w/x.tmp', to: '/w/x', subtree: false }], exact, new Map());
    expect(exact.get('/w/x.tmp')).toBe(bit('create') | bit('rename-from') | bit('rename-to') | bit('read'));
    expect([...added.exact]).toEqual([['/w/x.tmp', bit('rename-to') | bit('read')]]);
  });

  it('maps every path below a renamed directory, and an `under` grant to an `under` grant', () => {
    const exact = new Map([['/w/b/f', bit('read')]]);
    const unders = new Map([['/w/b/g', bit('write')]]);
    balanceRefers([{ from: '/w/a', to: '/w/b', subtree: true }], exact, unders);
    expect(exact.get('/w/a/f')).toBe(bit('read'));
    expect(unders.get('/w/a/g')).toBe(bit('write'));
  });

  it('follows chains of renames', () => {
    const exact = new Map([['/w/c', bit('read')]]);
    balanceRefers([{ from: '/w/a', to: '/w/b', subtree: false }, { from: '/w/b', to: '/w/c', subtree: false }], exact, new Map());
    expect(exact.get('/w/a')).toBe(bit('read'));
  });

  it('adds nothing when one work directory holds both names', () => {
    const unders = new Map([['/w', bit('read') | bit('rename-from') | bit('rename-to')]]);
    const added = balanceRefers([{ from: '/w/a', to: '/w/b', subtree: true }], new Map(), unders);
    expect(added.exact.size + added.unders.size).toBe(0);
  });
});
