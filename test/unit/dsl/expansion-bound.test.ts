/**
 * The policy-wide bound on expansions: each pattern may expand to 1000 globs, but a long list
 * variable used in many patterns would multiply the text without limit. All expansions of one
 * policy together stay within max(4,000,000, 16 x the pattern text written) characters (FW306,
 * reported once), checked before anything is built.
 */
import { describe, expect, test } from 'vitest';
import { expandBraces } from '../../../src/dsl/braces.js';
import { ExpansionBudget, expansionBudgetFor } from '../../../src/dsl/expansion-budget.js';
import type { TextProblem } from '../../../src/dsl/vars.js';
import { compile, errors, HEADER } from './helpers.js';

const globChars = (r: ReturnType<typeof compile>) => r.policy.rules.reduce((n, x) => n + [...x.patterns, ...x.except].join('').length, 0);

describe('policy-wide expansion bound', () => {
  test('a long variable used in many patterns is refused once, and lowering stays within the bound', () => {
    const values = Array.from({ length: 1000 }, (_, i) => `"/v${i}/${'x'.repeat(200)}"`).join(',');
    const text = `${HEADER}let $X = [${values}]\n${Array.from({ length: 300 }, (_, i) => `allow read $X/r${i}`).join('\n')}\n`;
    const r = compile(text);
    expect(r.ok).toBe(false);
    const e = errors(r);
    expect(e.map((d) => d.code)).toEqual(['FW306']);
    expect(e[0]!.message).toMatch(/^this pattern expands to \d+ characters, past the 4000000 the patterns of one policy may expand to in all$/);
    // 300 x 1000 globs of ~210 characters would be 63,000,000 characters.
    expect(globChars(r)).toBeLessThanOrEqual(4_000_000);
  });

  test('the bound grows with what the policy itself writes; ordinary policies are far below it', () => {
    expect(expansionBudgetFor(1_000).total).toBe(4_000_000);
    expect(expansionBudgetFor(1_000_000).total).toBe(16_000_000);
    const r = compile(`${HEADER}let $SRC = ["/srv/a", "/srv/b"]\nallow read,write under $SRC/{src,lib,test}/**/*.{ts,js,json}\n`);
    expect(errors(r)).toEqual([]);
    expect(r.policy.rules[0]!.patterns.length).toBe(36);
  });

  test('braces are measured before they are built', () => {
    const problems: TextProblem[] = [];
    const budget = new ExpansionBudget(1000);
    expect(expandBraces(`/${'y'.repeat(100)}/{a,b,c,d,e,f,g,h,i,j}`, 1000, problems, budget)).toBeNull();
    expect(problems.map((p) => [p.code, p.message])).toEqual([['FW306', 'this pattern expands to 1030 characters, past the 1000 the patterns of one policy may expand to in all']]);
    expect(expandBraces('/{a,bb}{c,}', 1000, [], budget)).toEqual(['/ac', '/a', '/bbc', '/bb']);
  });
});
