/**
 * Glob semantics end to end: a pattern as written, lowered, then matched by the rules'
 * reference matcher. This pins the contract between the language and the IR (`under`,
 * trailing `**`, dotfiles, classes, escaping of `\`).
 */
import { describe, expect, test } from 'vitest';
import { referenceMatch } from '../../../src/rules/reference.js';
import { expandBraces } from '../../../src/dsl/braces.js';
import { normalizeGlob } from '../../../src/dsl/glob.js';
import type { TextProblem } from '../../../src/dsl/vars.js';
import { HEADER, compile, errors } from './helpers.js';

function globs(pattern: string): string[] {
  const r = compile(`${HEADER}allow read ${pattern}\n`);
  expect(errors(r), JSON.stringify(r.diagnostics)).toEqual([]);
  return r.policy.rules[0]!.patterns;
}

const matches = (pattern: string, path: string): boolean => globs(pattern).some((g) => referenceMatch(g, path));

describe('matching (spec §7.3)', () => {
  const table: [string, string[], string[]][] = [
    ['/srv/*', ['/srv/a', '/srv/.env'], ['/srv', '/srv/a/b']],
    ['/srv/**', ['/srv/a', '/srv/a/b/.git'], ['/srv']],
    ['/srv/**/*.c', ['/srv/a.c', '/srv/x/y/a.c'], ['/srv/a.h']],
    ['/dev/tty[0-9]', ['/dev/tty3'], ['/dev/ttyS']],
    ['/x/[!a]*', ['/x/b', '/x/.a'], ['/x/a', '/x/ab']],
    ['/x/[^a-c]', ['/x/d', '/x/-'], ['/x/a', '/x/b', '/x/c']],
    ['/x/[]a]', ['/x/]', '/x/a'], ['/x/b']],
    ['/x/[!]]', ['/x/a'], ['/x/]']],
    ['/x/[a-]', ['/x/a', '/x/-'], ['/x/b']],
    ['under /srv', ['/srv', '/srv/a/b'], ['/srvx', '/']],
    ['under /', ['/', '/a', '/a/b'], []],
    ['/**', ['/a', '/a/.b'], ['/']],
    ['/home/u/**', ['/home/u/.ssh/id_rsa'], ['/home/u']],
    ['/a/?', ['/a/b', '/a/.'], ['/a/bc', '/a']],
    ['/a/*', ['/a/x'], ['/A/x']],
    ['"/a/[*]"', ['/a/*'], ['/a/b']],
    ['"/a\\\\b"', ['/a\\b'], ['/ab', '/a/b']],
    ['/café', ['/caf\u00c3\u00a9'], ['/cafe']],
  ];
  test.each(table)('%s', (pattern, yes, no) => {
    for (const p of yes) expect(matches(pattern, p), `${pattern} ~ ${p}`).toBe(true);
    for (const p of no) expect(matches(pattern, p), `${pattern} !~ ${p}`).toBe(false);
  });
});

describe('braces', () => {
  const expand = (t: string, limit = 1000): string[] | string => {
    const problems: TextProblem[] = [];
    return expandBraces(t, limit, problems) ?? `${problems[0]?.code}@${problems[0]?.at}`;
  };
  test('expansion order and nesting', () => {
    expect(expand('/{a,b}/{c,d{e,f}}')).toEqual(['/a/c', '/a/de', '/a/df', '/b/c', '/b/de', '/b/df']);
    expect(expand('/x{}y')).toEqual(['/xy']);
    expect(expand('/[{]{a,[,]}')).toEqual(['/[{]a', '/[{][,]']);
  });
  test('unbalanced and too deep', () => {
    expect(expand('/a}')).toBe('FW305@2');
    expect(expand('/a{b{c}')).toBe('FW305@2');
    expect(expand(`/${'{'.repeat(40)}`)).toBe('FW305@33');
  });
  test('the limit is checked before anything is built', () => {
    expect(expand('{a,b}'.repeat(60))).toBe('FW306@0');
    expect(expand('{a,b}{c,d}', 4)).toHaveLength(4);
    expect(expand('{a,b}{c,d}', 3)).toBe('FW306@0');
  });
});

describe('normalisation', () => {
  const norm = (t: string): string => {
    const problems: TextProblem[] = [];
    return normalizeGlob(t, problems) ?? `${problems[0]?.code}@${problems[0]?.at}`;
  };
  test('collapses `//`, drops `.` and a trailing `/`', () => {
    expect(norm('//a///./b/.//')).toBe('/a/b');
    expect(norm('/')).toBe('/');
    expect(norm('/./')).toBe('/');
  });
  test('refuses `..`, NUL, relative globs, `**` inside a segment, bad classes', () => {
    expect(norm('/a/..')).toBe('FW303@3');
    expect(norm('/a\0')).toBe('FW304@2');
    expect(norm('a')).toBe('FW302@0');
    expect(norm('')).toBe('FW302@0');
    expect(norm('/x/***')).toBe('FW301@3');
    expect(norm('/x/a**b')).toBe('FW301@4');
    expect(norm('/x/[**]')).toBe('/x/[**]');
    expect(norm('/x/[a/b]')).toBe('FW307@3');
    expect(norm('/x/[é]')).toBe('FW307@4');
    expect(norm('/x/[a-é]')).toBe('FW307@6');
  });
});
