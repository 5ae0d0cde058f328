import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../../src/rules/glob.js';
import { LazyDfa, SegmentNfa } from '../../../src/rules/automaton.js';
import { compile } from '../../../src/rules/compile.js';
import { decide, matchingRules } from '../../../src/rules/decide.js';
import { bit } from '../../../src/rules/rights.js';
import { policy } from './helpers.js';

function dfaOf(patterns: string[], opts = {}) {
  const nfa = new SegmentNfa();
  patterns.forEach((p, i) => nfa.add(parsePattern(p), i));
  return new LazyDfa(nfa, (tags) => [...tags].sort((a, b) => a - b), opts);
}

describe('segment automaton', () => {
  it('shares trie prefixes between patterns', () => {
    const nfa = new SegmentNfa();
    nfa.add(parsePattern('/srv/a/x'), 0);
    nfa.add(parsePattern('/srv/a/y'), 1);
    nfa.add(parsePattern('/srv/*.log'), 2);
    nfa.add(parsePattern('/srv/*.log'), 3);
    expect(nfa.nodes.length).toBe(6); // root, srv, a, x, y, *.log
    expect(nfa.wilds.length).toBe(1);
  });

  it('builds states lazily and reuses them', () => {
    const dfa = dfaOf(['/a/**/b', '/a/*']);
    expect(dfa.size).toBe(1);
    const s = dfa.walk('/a/x/y/b');
    expect(s.info).toEqual([0]);
    const built = dfa.size;
    expect(dfa.walk('/a/x/y/b')).toBe(s);
    expect(dfa.walk('/a/q/y/b')).toBe(s); // same signature, same states
    expect(dfa.size).toBe(built);
    expect(dfa.walk('/a/b').info).toEqual([0, 1]);
  });

  it('sends every unmatched segment to one dead state and stops there', () => {
    const dfa = dfaOf(['/a/b']);
    const dead = dfa.walk('/x');
    expect(dead.dead).toBe(true);
    expect(dfa.walk('/x/y/z')).toBe(dead);
  });

  it('stays correct when its state table and segment caches overflow', () => {
    const patterns = ['/**/[a-m]*/x', '/d/**/y?', '/**/z/**'];
    const small = dfaOf(patterns, { maxStates: 4, maxTransitions: 4 });
    const big = dfaOf(patterns);
    const paths: string[] = [];
    for (const a of ['a', 'n', 'd', 'z']) for (const b of ['x', 'y1', 'z', 'k']) for (const c of ['x', 'y2', 'q']) paths.push(`/${a}/${b}/${c}`, `/${a}/${b}`);
    for (let round = 0; round < 2; round++) for (const p of paths) expect(small.walk(p).info, p).toEqual(big.walk(p).info);
    expect(small.flushes).toBeGreaterThan(0);
  });

  it('costs the same per request however many rules there are, once states exist', () => {
    const rules = Array.from({ length: 5000 }, (_, i) => ({ patterns: [`/srv/p${i}/**`] }));
    const c = compile(policy(rules));
    const q = { path: '/srv/p4321/src/a.ts', rights: bit('read') };
    expect(decide(c, q)[0]).toMatchObject({ effect: 'allow', rule: 4321 });
    const states = c.dfa.size;
    for (let i = 0; i < 100; i++) decide(c, q);
    expect(c.dfa.size).toBe(states);
    expect(matchingRules(c, '/srv/p17')).toEqual([]);
  });
});
