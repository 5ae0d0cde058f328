import { describe, expect, it } from 'vitest';
import { compileWild, GlobError, parsePattern } from '../../../src/rules/glob.js';
import { referenceMatch } from '../../../src/rules/reference.js';
import { compile } from '../../../src/rules/compile.js';
import { matchingRules } from '../../../src/rules/decide.js';
import { policy } from './helpers.js';

/** Whole-pattern match through the compiled automaton, checked against the reference too. */
function matches(pattern: string, path: string): boolean {
  const got = matchingRules(compile(policy([{ patterns: [pattern] }])), path).length === 1;
  expect(referenceMatch(pattern, path), `reference: ${pattern} vs ${path}`).toBe(got);
  return got;
}

describe('wildcard segments', () => {
  it('star and question mark match dotfiles and never cross /', () => {
    expect(matches('/home/u/*', '/home/u/.ssh')).toBe(true);
    expect(matches('/home/u/?ssh', '/home/u/.ssh')).toBe(true);
    expect(matches('/home/u/*', '/home/u/.ssh/id')).toBe(false);
    expect(matches('/a/*b', '/a/x/b')).toBe(false);
    expect(matches('/a/?', '/a/ab')).toBe(false);
  });

  it('prefix, suffix and general shapes', () => {
    const w = compileWild('a*b*c');
    expect(w.match('abc')).toBe(true);
    expect(w.match('axxbyyc')).toBe(true);
    expect(w.match('acb')).toBe(false);
    expect(compileWild('*.ts').match('.ts')).toBe(true);
    expect(compileWild('pre*').match('pr')).toBe(false);
    expect(compileWild('a*a').match('a')).toBe(false);
  });

  it('classes with ranges, and negation with ! and ^ (picomatch#187)', () => {
    expect(matches('/a/[!b]*', '/a/c1')).toBe(true);
    expect(matches('/a/[!b]*', '/a/b1')).toBe(false);
    expect(matches('/a/[!b]', '/a/!')).toBe(true);
    expect(matches('/a/[^b]', '/a/b')).toBe(false);
    expect(matches('/a/[^b]', '/a/^')).toBe(true);
    expect(matches('/a/[a-c0-9]x', '/a/bx')).toBe(true);
    expect(matches('/a/[a-c0-9]x', '/a/7x')).toBe(true);
    expect(matches('/a/[a-c0-9]x', '/a/dx')).toBe(false);
    expect(matches('/a/[!.]*', '/a/.hidden')).toBe(false);
  });

  it('] first in a class is literal, - at the ends is literal', () => {
    expect(matches('/a/[]x]', '/a/]')).toBe(true);
    expect(matches('/a/[]-a]', '/a/^')).toBe(true);
    expect(matches('/a/[!]]', '/a/]')).toBe(false);
    expect(matches('/a/[a-]', '/a/-')).toBe(true);
    expect(matches('/a/[-a]', '/a/-')).toBe(true);
  });

  it('has no backslash escape: a one-member class names a metacharacter', () => {
    expect(matches('/a/[*]', '/a/*')).toBe(true);
    expect(matches('/a/[*]', '/a/b')).toBe(false);
    expect(matches('/a/x[[]1]', '/a/x[1]')).toBe(true);
    expect(matches('/a/[?]*', '/a/?x')).toBe(true);
    expect(matches('/a/\\*', '/a/\\x')).toBe(true);
    expect(matches('/a/\\*', '/a/*')).toBe(false);
    expect(parsePattern('/a/[*]').segments[1]).toEqual({ kind: 'literal', text: '*' });
  });

  it('is case-sensitive and byte-exact', () => {
    expect(matches('/a/B*', '/a/b1')).toBe(false);
    expect(matches('/a/\xe9*', '/a/\xe9t\xe9')).toBe(true);
    expect(matches('/a/[\x80-\xff]', '/a/\xc3')).toBe(true);
  });

  it('never treats path characters as pattern syntax', () => {
    expect(matches('/a/b', '/a/*')).toBe(false);
    expect(matches('/a/*', '/a/[x]')).toBe(true);
  });

  it('stays linear on pathological segments', () => {
    const w = compileWild('*a*a*a*a*a*a*a*a*a*a*b');
    const t0 = performance.now();
    expect(w.match('a'.repeat(5000))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('globstar', () => {
  it('matches zero or more segments inside a pattern', () => {
    expect(matches('/a/**/b', '/a/b')).toBe(true);
    expect(matches('/a/**/b', '/a/x/y/b')).toBe(true);
    expect(matches('/a/**/b', '/a/x/y/c')).toBe(false);
    expect(matches('/**/.git/**', '/.git/HEAD')).toBe(true);
    expect(matches('/**/.git/**', '/src/x/.git/objects/ab')).toBe(true);
  });

  it('a trailing ** is strictly below its directory', () => {
    expect(matches('/a/**', '/a')).toBe(false);
    expect(matches('/a/**', '/a/b')).toBe(true);
    expect(matches('/a/**', '/a/.b/c')).toBe(true);
    expect(matches('/**', '/')).toBe(false);
    expect(matches('/**', '/x')).toBe(true);
    expect(matches('/a/**/**', '/a')).toBe(false);
  });

  it('/ matches only the root', () => {
    expect(matches('/', '/')).toBe(true);
    expect(matches('/', '/a')).toBe(false);
    expect(matches('/*', '/')).toBe(false);
  });

  it('inside a segment, ** is a plain star', () => {
    expect(matches('/a/x**', '/a/xyz')).toBe(true);
    expect(matches('/a/x**', '/a/xy/z')).toBe(false);
  });
});

describe('pattern errors and specificity', () => {
  it.each([['a/b'], ['/a//b'], ['/a/'], ['/a/./b'], ['/a/../b'], ['/a/[bc'], ['/a/[]'], ['/a/[z-a]'], ['/a/\0']])(
    'rejects %j',
    (p) => expect(() => parsePattern(p)).toThrow(GlobError),
  );

  it('counts the literal prefix in characters before the first *, ? or [', () => {
    expect(parsePattern('/a/b').prefixLength).toBe(4);
    expect(parsePattern('/a/*.ts').prefixLength).toBe(3);
    expect(parsePattern('/a/x*').prefixLength).toBe(4);
    expect(parsePattern('/a/x[*]').prefixLength).toBe(4);
    expect(parsePattern('/**/a').prefixLength).toBe(1);
    expect(parsePattern('/').prefixLength).toBe(1);
  });
});
