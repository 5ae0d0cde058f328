/** Literal patterns: every recorded name, however odd, is matched exactly and nothing else. */
import { describe, expect, it } from 'vitest';
import { compilePolicyText } from '../../../src/dsl/index.js';
import { engineFor } from '../../../src/rules/engine.js';
import { bit } from '../../../src/rules/rights.js';
import { literalPattern, straceString } from '../../../src/learn/pattern.js';

/** Model paths are bytes, one character per byte. */
const bytes = (s: string): string => String.fromCharCode(...new TextEncoder().encode(s));

function allows(path: string, probe: string): boolean {
  const c = compilePolicyText(`policy "p" abi 1\nallow read ${literalPattern(path).text}\n`);
  expect(c.diagnostics).toEqual([]);
  return (engineFor(c.policy).allowedMask(probe) & bit('read')) !== 0;
}

describe('literalPattern', () => {
  it('writes plain paths bare', () => {
    expect(literalPattern('/etc/passwd')).toEqual({ text: '/etc/passwd', widened: false });
  });

  const odd = ['/w/a*b', '/w/q?', '/w/[x]', '/w/{a,b}', '/w/$HOME', '/w/sp ace', '/w/q"uote', '/w/back\\slash',
    '/w/new\nline', '/w/\t\x01ctl', '/w/semi;colon', '/w/#hash', '/w/}brace', bytes('/w/café'), '/w/**'];
  for (const p of odd) {
    it(`matches ${JSON.stringify(p)} exactly`, () => {
      expect(allows(p, p)).toBe(true);
      expect(allows(p, p + 'x')).toBe(false);
      expect(allows(p, '/w/ab')).toBe(p === '/w/ab');
    });
  }

  it('stands `?` for bytes that are not UTF-8, and says so', () => {
    const p = '/w/\xff\xfe';
    expect(literalPattern(p)).toEqual({ text: '/w/??', widened: true });
    expect(allows(p, p)).toBe(true);
  });

  it('prints only plain printable names as strace strings', () => {
    expect(straceString('/tmp/a.txt')).toBe('"/tmp/a.txt"');
    expect(straceString('/tmp/a b')).toBeUndefined();
    expect(straceString('/tmp/q"')).toBeUndefined();
  });
});
