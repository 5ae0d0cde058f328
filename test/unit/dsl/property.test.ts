/** `property` blocks: parsing, printing, the JSON form, lowering and their diagnostics. */
import { describe, expect, test } from 'vitest';
import {
  compilePolicyJson, fromJson, parse, printPolicy, stripSpans, toJson, type PropertyItem,
} from '../../../src/dsl/index.js';
import { rightsNamed } from '../../../src/rules/rights.js';
import { HEADER, compile, errors, where } from './helpers.js';

function props(text: string): PropertyItem[] {
  const r = parse(text, 'p.policy');
  expect(r.diagnostics).toEqual([]);
  return stripSpans(r.ast).items.filter((i): i is PropertyItem => i.kind === 'property');
}

const mask = (names: string): number => rightsNamed(names.split(',')[0]!, 1)! | (names.includes(',') ? mask(names.slice(names.indexOf(',') + 1)) : 0);

describe('parsing', () => {
  test('one promise per block on one line, every kind', () => {
    expect(props([
      'property "keys hidden"        { never read,list,stat $HOME/.ssh/{id_*,authorized_keys} }',
      'property "known_hosts usable" { always read,stat $HOME/.ssh/known_hosts }',
      'property "build deletes only in out" { only delete,rmdir under {$OUT,/tmp/*} }',
    ].join('\n'))).toEqual([
      { kind: 'property', name: 'keys hidden', promises: [
        { kind: 'never', rights: [{ name: 'read' }, { name: 'list' }, { name: 'stat' }], target: { under: false, pattern: { text: '$HOME/.ssh/{id_*,authorized_keys}' } } },
      ] },
      { kind: 'property', name: 'known_hosts usable', promises: [
        { kind: 'always', rights: [{ name: 'read' }, { name: 'stat' }], target: { under: false, pattern: { text: '$HOME/.ssh/known_hosts' } } },
      ] },
      { kind: 'property', name: 'build deletes only in out', promises: [
        { kind: 'only', rights: [{ name: 'delete' }, { name: 'rmdir' }], target: { under: true, pattern: { text: '{$OUT,/tmp/*}' } } },
      ] },
    ]);
  });

  test('several lines, `;`, comments, `*`, quoted targets', () => {
    const [p] = props('property "p" {\n  # the keys\n  never * under "/home/u/.ssh"; always stat /home/u\n\n  only write /srv/**  # outputs\n}\n');
    expect(p!.promises.map((x) => [x.kind, x.rights.map((r) => r.name).join(','), x.target.under, x.target.pattern.text])).toEqual([
      ['never', '*', true, '/home/u/.ssh'],
      ['always', 'stat', false, '/home/u'],
      ['only', 'write', false, '/srv/**'],
    ]);
  });

  test('spans: the block, each promise, its target', () => {
    const r = parse('property "p" {\n  never read under /a\n}\n', 'p.policy');
    const p = r.ast.items[0] as PropertyItem;
    expect(p.span).toEqual({ file: 'p.policy', line: 1, col: 1, endLine: 3, endCol: 2 });
    expect(p.promises[0]!.span).toEqual({ file: 'p.policy', line: 2, col: 3, endLine: 2, endCol: 22 });
    expect(p.promises[0]!.target.span).toEqual({ file: 'p.policy', line: 2, col: 14, endLine: 2, endCol: 22 });
  });

  test('a brace group may start a bare pattern in rules too', () => {
    const r = compile(`${HEADER}allow read under {/a,/b}/c\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.policy.rules[0]!.patterns).toEqual(['/a/c', '/a/c/**', '/b/c', '/b/c/**']);
  });
});

describe('errors and recovery', () => {
  test('each broken line is reported; a block with a broken line is dropped whole (not also called empty)', () => {
    const r = parse('property "p" {\n  nevr read /x\n  never\n  only write\n  always read /a /b\n  never read /ok\n}\nallow read /y\n', 'p.policy');
    expect(where(r.diagnostics)).toEqual(['FW003@2:3', 'FW004@3:8', 'FW004@4:13', 'FW004@5:18']);
    expect(r.diagnostics[0]!.help).toMatch(/did you mean `never`/);
    expect(r.diagnostics[2]!.message).toMatch(/expected a path pattern after `only write`/);
    expect(stripSpans(r.ast).items.map((i) => i.kind)).toEqual(['rule']);
    expect(where(compile(`${HEADER}property "p" {\n  nevr read /x\n}\n`).diagnostics)).toEqual(['FW003@3:3']);
  });

  test('an unknown keyword far from every kind lists them', () => {
    const r = parse('property "p" { sometimes read /x }\n', 'p.policy');
    expect(r.diagnostics[0]!.code).toBe('FW003');
    expect(r.diagnostics[0]!.help).toBe('expected one of `never`, `always`, `only`');
  });

  test('rules and expects do not belong in a property; promises not outside one', () => {
    expect(where(parse('property "p" { allow read /x }\n', 'p.policy').diagnostics)).toEqual(['FW006@1:16']);
    expect(where(parse('test "t" { always read /x }\n', 'p.policy').diagnostics)).toEqual(['FW006@1:12']);
    expect(where(parse('tier 1 { only read /x }\n', 'p.policy').diagnostics)).toEqual(['FW006@1:10']);
    expect(where(parse('property {\n', 'p.policy').diagnostics)).toEqual(['FW004@1:10']);
    expect(where(parse('property "p" { never read /x\n', 'p.policy').diagnostics)).toEqual(['FW005@1:14']);
  });
});

describe('printing and JSON', () => {
  const TEXT = `${HEADER}let $O = "/o"\nproperty "a \\"b\\"" { never read,stat under "/x y"; always * $O/{a,b} }\nproperty "e" {}\nproperty "c" { only delete under {$O,/tmp/*} }\n`;

  test('canonical text: one promise a line; it parses back to the same AST', () => {
    const ast = parse(TEXT, 'p.policy').ast;
    const printed = printPolicy(ast);
    expect(printed).toBe([
      'policy "p" abi 1',
      'let $O = "/o"',
      'property "a \\"b\\"" {',
      '  never read,stat under "/x y"',
      '  always * $O/{a,b}',
      '}',
      'property "e" {',
      '}',
      'property "c" {',
      '  only delete under {$O,/tmp/*}',
      '}',
      '',
    ].join('\n'));
    expect(stripSpans(parse(printed).ast)).toEqual(stripSpans(ast));
  });

  test('JSON both ways, with and without spans', () => {
    const ast = parse(TEXT, 'p.policy').ast;
    for (const spans of [true, false]) {
      const back = fromJson(JSON.stringify(toJson(ast, { spans })));
      expect(back.diagnostics).toEqual([]);
      expect(back.ast).toEqual(spans ? ast : stripSpans(ast));
    }
    const json = toJson(ast, { spans: false });
    expect(json.version).toBe(1);
    expect(json.policy.items[1]).toEqual({
      kind: 'property', name: 'a "b"', promises: [
        { kind: 'never', rights: [{ name: 'read' }, { name: 'stat' }], target: { under: true, pattern: { text: '/x y' } } },
        { kind: 'always', rights: [{ name: '*' }], target: { under: false, pattern: { text: '$O/{a,b}' } } },
      ],
    });
  });

  test('the JSON reader checks every field of a property', () => {
    const bad = (item: unknown): string[] =>
      fromJson({ format: 'fdwarden-policy-ast', version: 1, policy: { items: [item] } }).diagnostics.map((d) => d.message);
    const target = { under: false, pattern: { text: '/x' } };
    expect(bad({ kind: 'property', name: 'p', promises: [{ kind: 'sometimes', rights: [{ name: 'read' }], target }] }))
      .toEqual(['$.policy.items[0].promises[0].kind: expected one of "never", "always", "only"']);
    expect(bad({ kind: 'property', name: 'p', promises: [{ kind: 'never', rights: [], target }] }))
      .toEqual(['$.policy.items[0].promises[0].rights: expected at least one element']);
    expect(bad({ kind: 'property', name: 'p', promises: [{ kind: 'never', rights: [{ name: 'a b' }], target }] }))
      .toEqual(['$.policy.items[0].promises[0].rights[0].name: `a b` is not a valid name here']);
    expect(bad({ kind: 'property', name: 'p', promises: [{ kind: 'never', rights: [{ name: 'read' }], targets: [target] }] }))
      .toEqual(['$.policy.items[0].promises[0].targets: unknown field', '$.policy.items[0].promises[0].target: expected an object']);
    expect(bad({ kind: 'property', name: 1, promises: [] })).toEqual(['$.policy.items[0].name: expected a string']);
  });
});

describe('lowering', () => {
  test('rights masks, the target as written, globs after variables, braces and `under`', () => {
    const r = compile(`${HEADER}let $H = ["/home/a", "/home/b"]\nallow read under $H\nproperty "keys" {\n  never read,list $H/.ssh/{id_*,authorized_keys}\n  only * under "$H"\n}\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.properties).toEqual([{
      name: 'keys',
      span: { file: 'p.policy', line: 4, col: 1, endLine: 7, endCol: 2 },
      promises: [
        {
          kind: 'never', rights: mask('read,list'), rightNames: ['read', 'list'], pattern: '$H/.ssh/{id_*,authorized_keys}',
          globs: ['/home/a/.ssh/id_*', '/home/a/.ssh/authorized_keys', '/home/b/.ssh/id_*', '/home/b/.ssh/authorized_keys'],
          span: { file: 'p.policy', line: 5, col: 3, endLine: 5, endCol: 49 },
        },
        {
          kind: 'only', rights: rightsNamed('*', 1), rightNames: ['*'], pattern: 'under $H',
          globs: ['/home/a', '/home/a/**', '/home/b', '/home/b/**'],
          span: { file: 'p.policy', line: 6, col: 3, endLine: 6, endCol: 20 },
        },
      ],
    }]);
  });

  test('the IR is the same with or without the properties', () => {
    const rules = `${HEADER}let $H = "/h"\nallow read under $H\ndeny read $H/.ssh/*\n`;
    const a = compile(rules);
    const b = compile(`${rules}property "p" { never read $H/.ssh/* }\nproperty "q" { always read $H/x }\n`);
    expect(b.policy).toEqual(a.policy);
    expect(a.properties).toEqual([]);
    expect(b.properties.map((p) => p.name)).toEqual(['p', 'q']);
  });

  test('a variable used only by a property counts as used; overrides apply', () => {
    const r = compile(`${HEADER}let $K = "/k"\nallow read /x\nproperty "p" { never read under $K }\n`, { vars: { K: ['/a', '/b'] } });
    expect(r.diagnostics).toEqual([]);
    expect(r.properties[0]!.promises[0]!.globs).toEqual(['/a', '/a/**', '/b', '/b/**']);
  });

  test('names and patterns are checked as in rules', () => {
    const r = compile(`${HEADER}property "p" {\n  never raed /x\n  always read $NOPE/x\n  only write "srv/x"\n  never read /a/../b\n}\n`);
    expect(where(errors(r))).toEqual(['FW102@3:9', 'FW201@4:15', 'FW302@5:15', 'FW303@6:17']);
  });

  test('properties from included files, in document order', () => {
    const r = compile(`${HEADER}property "a" { never read /a }\ninclude "b.policy"\nproperty "c" { never read /c }\n`, {
      files: { 'b.policy': 'property "b" { never read /b }\n' },
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.properties.map((p) => `${p.name}@${p.span.file}`)).toEqual(['a@p.policy', 'b@b.policy', 'c@p.policy']);
  });

  test('from JSON, without spans', () => {
    const r = compilePolicyJson({
      format: 'fdwarden-policy-ast', version: 1,
      policy: { header: { name: 'p', abi: 1 }, items: [{ kind: 'property', name: 'p', promises: [{ kind: 'always', rights: [{ name: 'stat' }], target: { under: true, pattern: { text: '/a' } } }] }] },
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.properties[0]!.promises[0]).toMatchObject({ kind: 'always', pattern: 'under /a', globs: ['/a', '/a/**'], span: { file: '<json>', line: 1 } });
  });

  test('an empty block is an error, a repeated name a warning', () => {
    const r = compile(`${HEADER}property "e" {}\nproperty "d" { never read /x }\nproperty "d" { never read /y }\n`);
    expect(r.diagnostics.map((d) => `${d.code}:${d.severity}@${d.span.line}`)).toEqual(['FW505:error@2', 'FW504:warning@4']);
    expect(r.diagnostics[1]!.help).toBe('the first is at 3:1');
  });
});
