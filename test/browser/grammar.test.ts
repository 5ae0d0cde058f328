/**
 * The playground colours policies from the editors' TextMate grammar (playground/src/grammar.ts,
 * with the language server's scanner src/lsp/grammar-scan.ts): a line is scanned as TextMate scans it (the earliest match wins, ties to the earlier rule), and
 * every scope the grammar names has a highlighting tag.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tagOf, type Grammar } from '../../playground/src/grammar.js';
import { firstMatch, scanRules } from '../../src/lsp/grammar-scan.js';

const grammar = JSON.parse(readFileSync(join(import.meta.dirname, '../../editors/vscode/syntaxes/fdwarden.tmLanguage.json'), 'utf8')) as Grammar;
const rules = scanRules(grammar.patterns);

/** The line's tokens as [text, scope without the language suffix]; text no rule matches is left out. */
function scan(line: string): [string, string][] {
  const out: [string, string][] = [];
  for (let pos = 0; pos < line.length;) {
    const m = firstMatch(rules, line, pos);
    if (!m) break;
    out.push([line.slice(m.start, m.end), m.scope.replace(/\.fdwarden$/, '')]);
    pos = m.end;
  }
  return out;
}

describe('grammar adapter', () => {
  test('every rule of the grammar is a match rule with a scope that has a tag', () => {
    expect(rules.length).toBe(grammar.patterns.length);
    for (const r of rules) expect(tagOf(r.scope), r.scope).toBeDefined();
  });

  test('a rule line, a test call and a header scan as TextMate scans them', () => {
    expect(scan('allow read,write under $WORK/out # mine')).toEqual([
      ['allow', 'keyword.control'], ['read', 'support.constant.right'], [',', 'punctuation.separator'], ['write', 'support.constant.right'],
      ['under', 'keyword.other'], ['$WORK', 'variable.other'], ['/out', 'string.unquoted.path'], ['# mine', 'comment.line.number-sign'],
    ]);
    expect(scan('  expect deny EACCES unlinkat(AT_FDCWD, "/x", 0)')).toEqual([
      ['expect', 'keyword.control'], ['deny', 'keyword.control'], ['EACCES', 'support.constant.errno'], ['unlinkat', 'entity.name.function.syscall'],
      ['AT_FDCWD', 'constant.other'], [',', 'punctuation.separator'], ['"/x"', 'string.quoted.double'], [',', 'punctuation.separator'], ['0', 'constant.numeric'],
    ]);
    expect(scan('policy "p" abi 1')).toEqual([['policy', 'keyword.control'], ['"p"', 'string.quoted.double'], ['abi', 'keyword.other'], ['1', 'constant.numeric']]);
  });

  test('a keyword inside a word or after $ is not a keyword', () => {
    expect(scan('let $allow = "/a"')).toEqual([['let', 'keyword.control'], ['$allow', 'variable.other'], ['=', 'keyword.operator.assignment'], ['"/a"', 'string.quoted.double']]);
  });
});
