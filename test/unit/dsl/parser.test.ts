/** Policy text → AST: every statement form, separators, comments, and recovery after errors. */
import { describe, expect, test } from 'vitest';
import { parse, parsePolicy, stripSpans, type RuleItem } from '../../../src/dsl/index.js';
import { where } from './helpers.js';

function ast(text: string) {
  const r = parse(text, 'p.policy');
  expect(r.diagnostics).toEqual([]);
  return stripSpans(r.ast);
}

function rule(text: string): RuleItem {
  const a = ast(text);
  expect(a.items).toHaveLength(1);
  return a.items[0] as RuleItem;
}

describe('statements', () => {
  test('header, default and unknown', () => {
    expect(ast('policy "build box" abi 1\ndefault deny errno EPERM\nunknown allow\n')).toEqual({
      header: { name: 'build box', abi: 1 },
      default: { effect: 'deny', errno: { name: 'EPERM' } },
      unknown: { effect: 'allow' },
      items: [],
    });
  });

  test('a rule with every clause', () => {
    expect(rule('deny write,rename under /srv /etc/*.conf except /srv/tmp under /srv/cache when flags has O_TRUNC,O_CREAT when flags lacks O_EXCL when type file errno EROFS because "read-only"')).toEqual({
      kind: 'rule', effect: 'deny',
      rights: [{ name: 'write' }, { name: 'rename' }],
      targets: [{ under: true, pattern: { text: '/srv' } }, { under: false, pattern: { text: '/etc/*.conf' } }],
      except: [{ under: false, pattern: { text: '/srv/tmp' } }, { under: true, pattern: { text: '/srv/cache' } }],
      when: [
        { kind: 'flags', op: 'has', flags: [{ name: 'O_TRUNC' }, { name: 'O_CREAT' }] },
        { kind: 'flags', op: 'lacks', flags: [{ name: 'O_EXCL' }] },
        { kind: 'type', type: { name: 'file' } },
      ],
      errno: { name: 'EROFS' },
      because: 'read-only',
    });
  });

  test('rights: `*`, spaces around commas, names with dashes', () => {
    expect(rule('allow * /a').rights).toEqual([{ name: '*' }]);
    expect(rule('allow read , rename-from,\tstat /a').rights.map((r) => r.name)).toEqual(['read', 'rename-from', 'stat']);
  });

  test('clauses in any order; several excepts accumulate', () => {
    const r = rule('deny read /a because "x" except /a/b errno EIO except /a/c');
    expect(r.except.map((t) => t.pattern.text)).toEqual(['/a/b', '/a/c']);
    expect(r.errno?.name).toBe('EIO');
  });

  test('patterns: bare with braces, classes, `#`; quoted with spaces and escapes', () => {
    expect(rule('allow read $SRC/**/*.{ts,json} /a#b /x/[!.]* "/My Docs/\\u{e9}\\x41"').targets.map((t) => t.pattern.text))
      .toEqual(['$SRC/**/*.{ts,json}', '/a#b', '/x/[!.]*', '/My Docs/éA']);
  });

  test('let: single value, list over several lines, bare value', () => {
    expect(ast('let $A = "/a"\nlet $B = [\n  "/b",\n  "/c",   # trailing comma\n]\nlet $C = /c/*\nlet $D = []\n').items).toEqual([
      { kind: 'let', name: 'A', list: false, values: [{ text: '/a' }] },
      { kind: 'let', name: 'B', list: true, values: [{ text: '/b' }, { text: '/c' }] },
      { kind: 'let', name: 'C', list: false, values: [{ text: '/c/*' }] },
      { kind: 'let', name: 'D', list: true, values: [] },
    ]);
  });

  test('include', () => {
    expect(ast('include "std/runtime.policy"').items).toEqual([{ kind: 'include', path: 'std/runtime.policy' }]);
  });

  test('tier blocks, on one line or several', () => {
    expect(ast('tier 2 { allow write /a ; deny write /a/b }\ntier 1 {\n\n  allow read /c\n}\n').items).toEqual([
      { kind: 'tier', tier: 2, rules: [rule('allow write /a'), rule('deny write /a/b')] },
      { kind: 'tier', tier: 1, rules: [rule('allow read /c')] },
    ]);
  });

  test('test blocks keep each expect as written', () => {
    const t = ast('test "t" { expect deny EACCES unlinkat(AT_FDCWD, "/srv/.git/HEAD", 0) ; expect allow openat(AT_FDCWD, "/srv/x", O_RDONLY) }').items[0];
    expect(t).toEqual({
      kind: 'test', name: 't', expects: [
        { decision: 'deny', errno: { name: 'EACCES' }, call: 'unlinkat(AT_FDCWD, "/srv/.git/HEAD", 0)' },
        { decision: 'allow', call: 'openat(AT_FDCWD, "/srv/x", O_RDONLY)' },
      ],
    });
  });

  test('a call keeps strace syntax: nested brackets, `;`, `#` and `)` inside strings', () => {
    const t = ast('test "t" {\n  expect deny openat2(AT_FDCWD, "/a;#)b", {flags=O_RDONLY, resolve=RESOLVE_BENEATH}, 24)\n}').items[0];
    expect(t?.kind === 'test' && t.expects[0]?.call).toBe('openat2(AT_FDCWD, "/a;#)b", {flags=O_RDONLY, resolve=RESOLVE_BENEATH}, 24)');
  });

  test('comments, blank lines, `;` and CRLF', () => {
    expect(ast('# top\r\n\r\nallow read /a # why\r\n;;allow read /b;allow read /c\r\n').items).toHaveLength(3);
  });
});

describe('spans', () => {
  test('rules, targets and names point into the text', () => {
    const r = parse('policy "p" abi 1\n  allow read,write under /srv  # c\n', 'p.policy');
    const it = r.ast.items[0] as RuleItem;
    expect(it.span).toEqual({ file: 'p.policy', line: 2, col: 3, endLine: 2, endCol: 30 });
    expect(it.rights[1]?.span).toMatchObject({ line: 2, col: 14, endCol: 19 });
    expect(it.targets[0]?.span).toMatchObject({ col: 20, endCol: 30 });
    expect(it.targets[0]?.pattern.span).toMatchObject({ col: 26, endCol: 30 });
  });
});

describe('recovery', () => {
  test('several errors in one file, each reported once, parsing goes on', () => {
    const text = [
      'policy "p" abi 1',
      'alow read /a',                 // 2: unknown keyword
      'allow read /b',                // fine
      'allow read /c bogus',          // 4: unknown clause
      'tier 1 {',
      '  allow read',                 // 6: no pattern
      '  allow read /d',
      '}',
      'test "x" {',
      '  allow read /e',              // 10: not in a test
      '}',
      'allow read "/f',               // 12: unterminated string
      'allow read /g',
    ].join('\n');
    const r = parse(text, 'p.policy');
    expect(where(r.diagnostics)).toEqual(['FW003@2:1', 'FW003@4:15', 'FW004@6:13', 'FW006@10:3', 'FW002@12:12']);
    expect(r.ast.items.filter((i) => i.kind === 'rule')).toHaveLength(3);
    const tier = r.ast.items.find((i) => i.kind === 'tier');
    expect(tier?.kind === 'tier' && tier.rules).toHaveLength(1);
  });

  test('a broken statement that opens a block skips the block', () => {
    const r = parse('policy "p" abi 1\ntiers 1 {\n  allow read /a\n  bogus\n}\nallow read /b\n', 'p.policy');
    expect(where(r.diagnostics)).toEqual(['FW003@2:1']);
    expect(r.ast.items).toHaveLength(1);
  });

  test('text after a statement is an error, not silently dropped', () => {
    expect(where(parse('policy "p" abi 1 extra\n').diagnostics)).toEqual(['FW004@1:18']);
    expect(where(parse('policy "p" abi 1\ntier 1 { allow read /a } x\n').diagnostics)).toEqual(['FW004@2:26']);
  });

  test('parsePolicy also reads includes and reports their syntax errors in their own file', () => {
    const r = parsePolicy('policy "p" abi 1\ninclude "lib/a.policy"\n', {
      file: 'dir/p.policy',
      load: (f) => (f === 'dir/lib/a.policy' ? 'allow read /a\nallow rread\n' : undefined),
    });
    expect(r.diagnostics.map((d) => `${d.span.file}:${d.code}`)).toEqual(['dir/lib/a.policy:FW004']);
    expect([...r.files.keys()]).toEqual(['dir/lib/a.policy']);
    expect(r.sources.get('dir/lib/a.policy')).toContain('rread');
  });
});
