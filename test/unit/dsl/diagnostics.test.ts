/**
 * One case per diagnostic code: the code, where it points (line and column) and its help line
 * where a suggestion is expected. The spec's table must list every code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CODES, compilePolicyJson, renderDiagnostic, type Code } from '../../../src/dsl/index.js';
import { HEADER, compile } from './helpers.js';

interface Case {
  code: Code;
  text: string;
  line: number;
  col: number;
  endCol?: number;
  help?: RegExp;
  files?: Record<string, string>;
  vars?: Record<string, string | string[]>;
}

const H = HEADER; // line 1; the statement under test is on line 2 unless said otherwise

const CASES: Case[] = [
  { code: 'FW001', text: `${H}§ read /x\n`, line: 2, col: 1 },
  { code: 'FW002', text: 'policy "p abi 1\n', line: 1, col: 8 },
  { code: 'FW003', text: `${H}alow read /x\n`, line: 2, col: 1, endCol: 5, help: /did you mean `allow`/ },
  { code: 'FW003', text: `${H}allow read /x exept /y\n`, line: 2, col: 15, help: /did you mean `except`/ },
  { code: 'FW004', text: `${H}allow read\n`, line: 2, col: 11 },
  { code: 'FW004', text: `${H}allow read /x when flags has O_CREAT|O_EXCL\n`, line: 2, col: 37 },
  { code: 'FW005', text: `${H}}\n`, line: 2, col: 1 },
  { code: 'FW005', text: `${H}tier 1 {\n  allow read /x\n`, line: 2, col: 8 },
  { code: 'FW006', text: `${H}tier 1 { let $X = "/a" }\n`, line: 2, col: 10, help: /only at the top level/ },
  { code: 'FW006', text: `${H}expect allow openat(AT_FDCWD, "/a", O_RDONLY)\n`, line: 2, col: 1, help: /inside a `test` block/ },
  { code: 'FW007', text: `${H}default deny\ndefault allow\n`, line: 3, col: 1 },
  { code: 'FW007', text: `allow read /x\n${H}`, line: 2, col: 1 },
  { code: 'FW008', text: 'allow read /x\n', line: 1, col: 1 },
  { code: 'FW009', text: `${H}allow read "/a\\qb"\n`, line: 2, col: 15, endCol: 17 },
  { code: 'FW010', text: `${H}tier 99999999999 { allow read /x }\n`, line: 2, col: 6 },
  { code: 'FW011', text: `${H}deny read /x errno EPERM errno EIO\n`, line: 2, col: 26 },
  { code: 'FW011', text: `${H}allow read /x when type dir when type file\n`, line: 2, col: 29 },
  { code: 'FW101', text: 'policy "p" abi 9\n', line: 1, col: 1, help: /known abis: 1/ },
  { code: 'FW102', text: `${H}allow raed /x\n`, line: 2, col: 7, endCol: 11, help: /did you mean `read`/ },
  { code: 'FW103', text: `${H}deny read /x errno EACESS\n`, line: 2, col: 20, help: /did you mean `EACCES`/ },
  { code: 'FW103', text: `${H}default deny errno EPREM\n`, line: 2, col: 20, help: /did you mean `EPERM`/ },
  { code: 'FW104', text: `${H}allow read /x when flags has O_TRUNK\n`, line: 2, col: 30, help: /did you mean `O_TRUNC`/ },
  { code: 'FW105', text: `${H}allow read /x when flags has O_RDONLY\n`, line: 2, col: 30 },
  { code: 'FW106', text: `${H}allow read /x when type dirr\n`, line: 2, col: 25, help: /did you mean `dir`/ },
  { code: 'FW107', text: `${H}allow read /x errno EPERM\n`, line: 2, col: 21 },
  { code: 'FW108', text: `${H}network allow lopback\n`, line: 2, col: 15 },
  { code: 'FW201', text: `${H}let $TMP = "/tmp"\nallow read $TPM/x\n`, line: 3, col: 12, endCol: 16, help: /did you mean `\$TMP`/ },
  { code: 'FW202', text: `${H}let $A = "/a"\nlet $A = "/b"\nallow read $A\n`, line: 3, col: 1 },
  { code: 'FW203', text: `${H}let $A = "$A/x"\nallow read $A\n`, line: 2, col: 10 },
  { code: 'FW204', text: `${H}allow read /a$\n`, line: 2, col: 14 },
  { code: 'FW204', text: `${H}allow read /a\n`, line: 1, col: 1, vars: { 'no-dash': '/x' } },
  { code: 'FW301', text: `${H}allow read /a/b**\n`, line: 2, col: 16, endCol: 18, help: /whole segment|\/\*\*\// },
  { code: 'FW302', text: `${H}allow read "srv/x"\n`, line: 2, col: 13, endCol: 18 },
  { code: 'FW302', text: `${H}let $X = "srv"\nallow read $X/**\n`, line: 3, col: 12 },
  { code: 'FW303', text: `${H}allow read /a/../b\n`, line: 2, col: 15, endCol: 17 },
  { code: 'FW304', text: `${H}allow read "/a\\u{0}b"\n`, line: 2, col: 12 },
  { code: 'FW305', text: `${H}allow read /a/{b,c\n`, line: 2, col: 15 },
  { code: 'FW305', text: `${H}allow read "/a/b}c"\n`, line: 2, col: 17 },
  { code: 'FW306', text: `${H}allow read /${'{a,b}'.repeat(10)}\n`, line: 2, col: 12 },
  { code: 'FW307', text: `${H}allow read /a/[bc\n`, line: 2, col: 15 },
  { code: 'FW307', text: `${H}allow read /a/[z-a]\n`, line: 2, col: 16, endCol: 19 },
  { code: 'FW401', text: `${H}include "missing.policy"\n`, line: 2, col: 1, files: {} },
  { code: 'FW402', text: `${H}include "a.policy"\n`, line: 1, col: 1, files: { 'a.policy': 'include "p.policy"\n' } },
  { code: 'FW403', text: `${H}include "a.policy"\n`, line: 1, col: 1, files: { 'a.policy': 'default allow\n' } },
  { code: 'FW501', text: `${H}test "t" {\n  expect deny unlinkt(AT_FDCWD, "/x", 0)\n}\n`, line: 3, col: 15, endCol: 22, help: /did you mean `unlinkat`/ },
  { code: 'FW502', text: `${H}test "t" {\n  expect deny unlinkat(AT_FDCWD, "/x", 0\n}\n`, line: 3, col: 15 },
  { code: 'FW003', text: `${H}property "p" {\n  nevr read /x\n}\n`, line: 3, col: 3, endCol: 7, help: /did you mean `never`/ },
  { code: 'FW004', text: `${H}property "p" { only delete }\n`, line: 2, col: 28 },
  { code: 'FW004', text: `${H}property "p" { always read /a /b }\n`, line: 2, col: 31, endCol: 33, help: /braces/ },
  { code: 'FW006', text: `${H}never read /x\n`, line: 2, col: 1, help: /inside a `property` block/ },
  { code: 'FW102', text: `${H}property "p" { never raed /x }\n`, line: 2, col: 22, endCol: 26, help: /did you mean `read`/ },
  { code: 'FW503', text: `${H}test "t" { expect allow openat(AT_FDCWD, "/x", O_RDONLY) }\ntest "t" { expect allow openat(AT_FDCWD, "/y", O_RDONLY) }\n`, line: 3, col: 1 },
  { code: 'FW504', text: `${H}property "p" { never read /x }\nproperty "p" { never write /x }\n`, line: 3, col: 1 },
  { code: 'FW505', text: `${H}property "p" {\n}\n`, line: 2, col: 1 },
  { code: 'FW506', text: `${H}let $L = ["/a", "/b"]\ntest "t" { expect allow openat(AT_FDCWD, "$L/x", O_RDONLY) }\n`, line: 3, col: 43 },
  { code: 'FW601', text: `${H}deny write /srv/**\nallow write /srv/a/*.c\n`, line: 3, col: 1 },
  { code: 'FW602', text: `${H}allow write under /\n`, line: 2, col: 1 },
  { code: 'FW603', text: `${H}let $X = "/x"\n`, line: 2, col: 1 },
  { code: 'FW604', text: `${H}allow read under /a /b\n`, line: 2, col: 21 },
];

describe('every diagnostic code', () => {
  test.each(CASES.map((c) => [`${c.code} ${JSON.stringify(c.text).slice(0, 60)}`, c] as const))('%s', (_name, c) => {
    const opts: Parameters<typeof compile>[1] = {};
    if (c.files) opts.files = c.files;
    if (c.vars) opts.vars = c.vars;
    const r = compile(c.text, opts);
    const d = r.diagnostics.find((x) => x.code === c.code);
    expect(d, JSON.stringify(r.diagnostics, null, 1)).toBeDefined();
    expect(d!.severity).toBe(CODES[c.code][0]);
    const file = c.code === 'FW402' || c.code === 'FW403' ? 'a.policy' : 'p.policy';
    expect(`${d!.span.file}:${d!.span.line}:${d!.span.col}`).toBe(`${file}:${c.line}:${c.col}`);
    if (c.endCol !== undefined) expect(d!.span.endCol).toBe(c.endCol);
    if (c.help) expect(d!.help).toMatch(c.help);
    // The rendering names the place and underlines it.
    const shown = renderDiagnostic(d!, r.sources.get(d!.span.file)).split('\n');
    expect(shown[0]).toBe(`${file}:${c.line}:${c.col}: ${d!.severity}[${c.code}]: ${d!.message}`);
    const gutter = ' '.repeat(String(c.line).length);
    const sourceLine = (r.sources.get(file) ?? '').split('\n')[c.line - 1]!;
    expect(shown[1]).toBe(`${c.line} | ${sourceLine}`);
    const width = d!.span.endLine === d!.span.line ? Math.max(1, d!.span.endCol - d!.span.col) : sourceLine.length - c.col + 1;
    expect(shown[2]).toBe(`${gutter} | ${' '.repeat(c.col - 1)}${'^'.repeat(Math.max(1, width))}`);
    if (d!.help !== undefined) expect(shown[3]).toBe(`${gutter} = help: ${d!.help}`);
  });

  test('JSON diagnostics', () => {
    expect(compilePolicyJson('{').diagnostics.map((d) => d.code)).toContain('FW701');
    const bad = compilePolicyJson({ format: 'fdwarden-policy-ast', version: 1, policy: { items: [{ kind: 'rule' }] } });
    expect(bad.diagnostics.some((d) => d.code === 'FW702' && d.message.startsWith('$.policy.items[0].effect'))).toBe(true);
  });

  test('every code has a case here and a row in the spec', () => {
    const spec = readFileSync(new URL('../../../spec/policy-language.md', import.meta.url), 'utf8');
    for (const code of Object.keys(CODES) as Code[]) {
      if (code !== 'FW701' && code !== 'FW702') expect(CASES.some((c) => c.code === code), code).toBe(true);
      expect(spec).toMatch(new RegExp(`\\| ${code} \\| ${CODES[code][0]} \\|`));
    }
  });
});

describe('the spec', () => {
  const spec = readFileSync(new URL('../../../spec/policy-language.md', import.meta.url), 'utf8');
  // Untagged fenced blocks are policy text (the grammar is tagged `ebnf`).
  const blocks: string[] = [];
  let open: string[] | undefined;
  let tagged = false;
  for (const line of spec.split('\n')) {
    if (!line.startsWith('```')) { open?.push(line); continue; }
    if (open) { if (!tagged) blocks.push(open.join('\n')); open = undefined; continue; }
    open = [];
    tagged = line.length > 3;
  }

  test('its opening example compiles without a diagnostic', () => {
    const r = compile(blocks[0]!, { files: { 'runtime.policy': 'allow read,list,stat under /lib under /etc\n' } });
    expect(r.diagnostics).toEqual([]);
    expect(r.tests[0]?.expects).toHaveLength(2);
  });

  test('every rule example parses', () => {
    for (const b of blocks.slice(1)) {
      if (!/^(allow|deny|tier|test|property|let|default|unknown) /m.test(b) || b.includes('error[')) continue;
      const r = compile(`${HEADER}${b}`);
      expect(r.diagnostics.filter((d) => d.code < 'FW100'), b).toEqual([]);
    }
  });
});
