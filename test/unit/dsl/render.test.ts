/** renderDiagnostic: the header line, the source line, the caret underline and the help. */
import { describe, expect, test } from 'vitest';
import { renderDiagnostic, renderDiagnostics, type Diagnostic } from '../../../src/dsl/index.js';
import { HEADER, compile } from './helpers.js';

const first = (text: string, files?: Record<string, string>): { d: Diagnostic; text: string } => {
  const r = compile(text, files ? { files } : {});
  return { d: r.diagnostics[0]!, text };
};

describe('renderDiagnostic', () => {
  test('caret under the span, help with did-you-mean', () => {
    const { d, text } = first(`${HEADER}allow raed /x\n`);
    expect(renderDiagnostic(d, text)).toBe([
      'p.policy:2:7: error[FW102]: unknown right `raed` in abi 1',
      '2 | allow raed /x',
      '  |       ^^^^',
      '  = help: did you mean `read`?',
    ].join('\n'));
  });

  test('tabs are kept in the indent so the carets line up', () => {
    const { d, text } = first(`${HEADER}\tallow read /x when type dirr\n`);
    expect(renderDiagnostic(d, text).split('\n').slice(1, 3)).toEqual([
      '2 | \tallow read /x when type dirr',
      '  | \t                        ^^^^',
    ]);
  });

  test('a zero-width span at the end of a line gets one caret', () => {
    const { d, text } = first(`${HEADER}allow read\n`);
    expect(renderDiagnostic(d, text).split('\n').slice(0, 3)).toEqual([
      'p.policy:2:11: error[FW004]: expected a path pattern, found end of line',
      '2 | allow read',
      '  |           ^',
    ]);
  });

  test('a span over several lines is underlined to the end of its first line', () => {
    const text = `${HEADER}test "t" {\n  expect allow openat(AT_FDCWD, "/x", O_RDONLY)\n}\ntest "t" {\n}\n`;
    const r = compile(text);
    const d = r.diagnostics.find((x) => x.code === 'FW503')!;
    expect(renderDiagnostic(d, text).split('\n').slice(0, 3)).toEqual([
      'p.policy:5:1: warning[FW503]: a test named "t" already exists',
      '5 | test "t" {',
      '  | ^^^^^^^^^^',
    ]);
  });

  test('wide line numbers widen the gutter; related spans become notes', () => {
    const text = `${HEADER}${'\n'.repeat(8)}deny write /a/**\nallow write /a/b\n`;
    const r = compile(text);
    expect(renderDiagnostic(r.diagnostics[0]!, text)).toBe([
      'p.policy:11:1: warning[FW601]: this allow never takes effect: the deny at p.policy:10:1 denies the same rights on the same paths',
      '11 | allow write /a/b',
      '   | ^^^^^^^^^^^^^^^^',
      '   = help: add an `except` to the deny, or move this rule to a higher `tier`',
      '   = note: the deny that covers it (p.policy:10:1)',
    ].join('\n'));
  });

  test('without the source text only the header and help are shown', () => {
    const { d } = first(`${HEADER}allow raed /x\n`);
    expect(renderDiagnostic(d, undefined)).toBe('p.policy:2:7: error[FW102]: unknown right `raed` in abi 1\n  = help: did you mean `read`?');
  });

  test('renderDiagnostics picks each file\'s text', () => {
    const r = compile(`${HEADER}include "a.policy"\nallow raed /x\n`, { files: { 'a.policy': 'allow read /y when type dirr\n' } });
    const out = renderDiagnostics(r.diagnostics, r.sources);
    expect(out).toContain('1 | allow read /y when type dirr');
    expect(out).toContain('3 | allow raed /x');
  });
});

describe('long lines and many diagnostics', () => {
  test('a long line is cut around the span, carets still under it', () => {
    const long = `allow read ${'/a'.repeat(150)}/x when type dirr`;
    const { d, text } = first(`${HEADER}${long}\n`);
    const [, src, carets] = renderDiagnostic(d, text).split('\n');
    expect(src!.length).toBeLessThanOrEqual('2 | '.length + 122);
    expect(src!.startsWith('2 | …')).toBe(true);
    const at = carets!.indexOf('^');
    expect(src!.slice(at, at + 4)).toBe('dirr');
    expect(carets!.slice(at)).toBe('^^^^');
  });

  test('a short line is shown whole', () => {
    const { d, text } = first(`${HEADER}allow raed /x\n`);
    expect(renderDiagnostic(d, text).split('\n')[1]).toBe('2 | allow raed /x');
  });

  test('at most 50 in full, then a count of the rest', () => {
    const text = `${HEADER}${Array.from({ length: 60 }, () => 'allow raed /x\n').join('')}`;
    const r = compile(text);
    expect(r.diagnostics.length).toBe(60);
    const out = renderDiagnostics(r.diagnostics, new Map([['p.policy', text]]));
    expect(out.split('\n').filter((l) => l.includes('error[FW102]')).length).toBe(50);
    expect(out.endsWith('... and 10 more (10 errors, 0 others) not shown')).toBe(true);
    expect(renderDiagnostics(r.diagnostics, new Map([['p.policy', text]]), Infinity).split('\n').filter((l) => l.includes('error[FW102]')).length).toBe(60);
  });
});
