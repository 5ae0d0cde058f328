/** The JSON form: both directions, and validation errors as diagnostics with JSON paths. */
import { describe, expect, test } from 'vitest';
import { compilePolicyJson, fromJson, parse, printPolicy, stripSpans, toJson } from '../../../src/dsl/index.js';

const TEXT = `policy "p" abi 1
default deny errno EPERM
let $T = ["/tmp", "/var/tmp"]
include "x.policy"
allow read,write under $T except "$T/a b" when flags lacks O_TRUNC when type file
deny * /etc/** errno EROFS because "etc"
tier 2 {
  allow write /etc/hosts
}
test "t" {
  expect deny EROFS unlinkat(AT_FDCWD, "/etc/passwd", 0)
}
`;

const envelope = (policy: unknown): unknown => ({ format: 'fdwarden-policy-ast', version: 1, policy });
const messages = (json: unknown): string[] => fromJson(json).diagnostics.map((d) => `${d.code} ${d.message}`);

describe('JSON form', () => {
  const ast = parse(TEXT, 'p.policy').ast;

  test('fromJson(toJson(ast)) is the AST, spans included; text JSON works too', () => {
    expect(fromJson(toJson(ast))).toEqual({ ast, diagnostics: [] });
    expect(fromJson(JSON.stringify(toJson(ast))).ast).toEqual(ast);
  });

  test('spans can be left out', () => {
    const j = toJson(ast, { spans: false });
    expect(JSON.stringify(j)).not.toContain('"span"');
    expect(fromJson(j).ast).toEqual(stripSpans(ast));
    expect(stripSpans(parse(printPolicy(fromJson(j).ast)).ast)).toEqual(stripSpans(ast));
  });

  test('compilePolicyJson lowers like the text', () => {
    const r = compilePolicyJson(toJson(ast), { file: 'p.policy', load: () => '' });
    expect(r.ok).toBe(true);
    expect(r.policy.rules).toHaveLength(3);
  });

  test('envelope errors', () => {
    expect(messages(null)).toEqual(['FW702 $: expected an object']);
    expect(messages({ format: 'x', version: 2, policy: { items: [] }, extra: 1 }))
      .toEqual(['FW702 $.format: expected "fdwarden-policy-ast"', 'FW702 $.version: expected 1', 'FW702 $.extra: unknown field']);
    expect(messages('{"a":')[0]).toMatch(/^FW701 invalid JSON/);
  });

  test('field errors name the JSON path; bad items are left out, good ones kept', () => {
    const r = fromJson(envelope({
      items: [
        { kind: 'rule', effect: 'allow', rights: [{ name: 'read' }], targets: [{ under: false, pattern: { text: '/a' } }] },
        { kind: 'rule', effect: 'permit', rights: [], targets: [] },
        { kind: 'rule', effect: 'deny', rights: [{ name: 're ad' }], targets: [{ under: 'no', pattern: { text: '/a' } }], errno: { name: 'E' }, colour: 1 },
        { kind: 'let', name: '$X', list: false, values: [{ text: '/a' }] },
        { kind: 'let', name: 'X', list: false, values: [{ text: '/a' }, { text: '/b' }] },
        { kind: 'test', name: 't', expects: [{ decision: 'allow', call: 'openat(' }, { decision: 'deny', call: 'x() y' }] },
        { kind: 'tier', tier: -1, rules: [{ kind: 'let' }] },
        { kind: 'nope' },
      ],
    }));
    expect(r.ast.items).toHaveLength(1);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      '$.policy.items[1].effect: expected one of "allow", "deny"',
      '$.policy.items[1].rights: expected at least one element',
      '$.policy.items[1].targets: expected at least one element',
      '$.policy.items[2].colour: unknown field',
      '$.policy.items[2].rights[0].name: `re ad` is not a valid name here',
      '$.policy.items[2].targets[0].under: expected a boolean',
      '$.policy.items[3].name: `$X` is not a variable name (no `$`)',
      '$.policy.items[4].values: a single value (list: false) has exactly one element',
      '$.policy.items[5].expects[0].call: expected one call `name(args)` on one line',
      '$.policy.items[5].expects[1].call: expected one call `name(args)` on one line',
      '$.policy.items[6].tier: expected an integer from 0 to 2147483647',
      '$.policy.items[6].rules[0].kind: expected "rule"',
      '$.policy.items[7].kind: expected one of "rule", "let", "include", "tier", "test", "property", "network"',
    ]);
  });

  test('a bad span is reported; a good one places the diagnostic', () => {
    const span = { file: 'orig.policy', line: 4, col: 2, endLine: 4, endCol: 9 };
    const r = fromJson(envelope({
      header: { name: 'p', abi: 1, span: { file: 'x' } },
      items: [{ kind: 'include', path: 3, span }],
    }));
    expect(r.diagnostics.map((d) => [d.message, d.span.file])).toEqual([
      ['$.policy.header.span: expected a span {file, line, col, endLine, endCol}', '<json>'],
      ['$.policy.items[0].path: expected a string', 'orig.policy'],
    ]);
  });
});
