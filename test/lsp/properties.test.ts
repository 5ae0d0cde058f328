/**
 * The server's features on random documents, in-process (fixed seed; FDWARDEN_SEED=<n> replays
 * a failure, fast-check prints it): formatting keeps a valid policy's meaning and comments and
 * is idempotent; no text, however odd, makes a feature throw or give a range outside order.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parse, stripSpans } from '../../src/dsl/index.js';
import { quickFixes } from '../../src/lsp/actions.js';
import { analyze } from '../../src/lsp/analysis.js';
import { complete } from '../../src/lsp/completion.js';
import { definition } from '../../src/lsp/definition.js';
import { documentDiagnostics } from '../../src/lsp/diagnostics.js';
import { format } from '../../src/lsp/formatting.js';
import { hover } from '../../src/lsp/hover.js';
import { readSpecDocs } from '../../src/lsp/spec-docs.js';
import { SEED } from '../unit/rules/arbitraries.js';

const docs = readSpecDocs();
const FILE = '/p/main.policy';
const noFiles = (): undefined => undefined;
const run = (text: string) => analyze(text, FILE, {}, noFiles);

/** Statements as tokens (a string token is one token), so layout can vary between them only. */
const STATEMENTS: string[][] = [
  ['allow', 'read,write', 'under', '/a/b'],
  ['allow', 'read', '$A/**', '/c'],
  ['deny', '*', '/x/**', 'except', '/x/y', 'errno', 'EROFS', 'because', '"read only"'],
  ['allow', 'create', '$A/*.{c,h}', 'when', 'flags', 'has', 'O_EXCL,O_CREAT', 'when', 'type', 'file'],
  ['deny', 'delete', '"/srv/My Files"', 'errno', 'ENOENT'],
  ['network', 'allow', 'loopback,abstract'],
  ['tier', '2', '{', 'allow', 'read', '/t', '}'],
  ['test', '"t"', '{', 'expect', 'allow', 'openat(AT_FDCWD, "/a/b", O_RDONLY)', '}'],
  ['property', '"p"', '{', 'never', 'write', '/etc/shadow', '}'],
  ['tier', '3', '{\n  # kept inside\n  allow', 'read', '/u\n}'],
  ['test', '"u"', '{\n', 'expect', 'deny', 'EACCES', 'unlinkat(AT_FDCWD, "/q", 0)\n}'],
];

const gapArb = fc.constantFrom(' ', '  ', '\t', ' \t ');
const layoutArb = (tokens: string[]) => fc.array(gapArb, { minLength: tokens.length, maxLength: tokens.length })
  .map((gaps) => tokens.map((t, i) => (i === 0 ? t : gaps[i] + t)).join(''));
const lineArb = fc.tuple(fc.constantFrom(...STATEMENTS), fc.boolean(), fc.boolean())
  .chain(([tokens, comment, blank]) => layoutArb(tokens).map((l) => `${l}${comment ? '  # note' : ''}${blank ? '\n' : ''}`));
const policyArb = fc.tuple(fc.array(lineArb, { maxLength: 8 }), fc.boolean(), fc.boolean()).map(([lines, headComment, crlf]) => {
  const text = ['policy "p" abi 1', ...(headComment ? ['# the policy'] : []), 'let $A = ["/a", "/b"]', 'allow read $A', ...lines].join('\n') + '\n';
  return crlf ? text.replace(/\n/g, '\r\n') : text;
});

const apply = (text: string, edits: ReturnType<typeof format>): string => TextDocument.applyEdits(TextDocument.create('file:///p', 'fdwarden', 1, text), edits);

describe('the language server on random documents', () => {
  test('formatting a valid policy keeps its meaning and its comments, and is idempotent', () => {
    fc.assert(fc.property(policyArb, (text) => {
      const a = run(text);
      expect(a.compiled.ok).toBe(true);
      const out = apply(text, format(a));
      expect(stripSpans(parse(out).ast)).toEqual(stripSpans(parse(text).ast));
      expect(out.match(/# [a-z ]+/g)).toEqual(text.match(/# [a-z ]+/g));
      expect(format(run(out))).toEqual([]);
    }), { seed: SEED, numRuns: 200 });
  });

  // The test above passes for a formatter that changes nothing: this one needs it to lay out.
  test('two layouts of the same statements format to the same text (blocks holding a comment are kept as written, so left out)', () => {
    const plain = STATEMENTS.filter((t) => !t.some((x) => x.includes('#')));
    const docArb = fc.array(fc.tuple(fc.constantFrom(...plain), fc.boolean()), { minLength: 1, maxLength: 8 }).chain((lines) => {
      const one = fc.tuple(...lines.map(([tokens]) => layoutArb(tokens))).map((ls) => ['policy "p" abi 1', 'let $A = ["/a", "/b"]', ...ls.map((l, i) => `${l}${lines[i]![1] ? '  # note' : ''}`)].join('\n') + '\n');
      return fc.tuple(one, one);
    });
    fc.assert(fc.property(docArb, ([a, b]) => {
      expect(apply(a, format(run(a)))).toBe(apply(b, format(run(b))));
    }), { seed: SEED, numRuns: 200 });
  });

  const soupArb = fc.array(fc.oneof(
    fc.constantFrom('policy', 'allow', 'deny', 'let', 'include', 'tier', 'test', 'expect', 'property', 'never', 'network', 'under', 'except',
      'when', 'flags', 'has', 'type', 'errno', 'because', 'read', 'rename', '*', 'EROFS', 'O_CREAT', '$A', '${A}', '$', '${', '"', '"/a"', '"\\q',
      '/a/**', '{', '}', '[', ']', ',', ';', '=', '#', '(', ')', 'openat(', '1', '99999999999', '\n', '\r\n', '\t', '\u0000', '\uD800', '😀'),
    fc.string({ maxLength: 6 }),
  ), { maxLength: 40 }).map((t) => t.join(' '));

  test('no feature throws on any text, and every range is ordered and inside the text', () => {
    fc.assert(fc.property(soupArb, (text) => {
      const a = run(text);
      const lines = text.split('\n');
      const diagnostics = documentDiagnostics(a);
      for (const fix of quickFixes('file:///p/main.policy', (l) => lines[l] ?? '', diagnostics)) {
        const [edit, ...more] = fix.edit!.changes!['file:///p/main.policy']!;
        expect(more).toEqual([]);
        expect(lines[edit!.range.start.line]!.slice(edit!.range.start.character, edit!.range.end.character)).toMatch(/^\$?[A-Za-z_][\w-]*$/);
      }
      for (const d of diagnostics) {
        const { start, end } = d.range;
        expect(start.line >= 0 && start.character >= 0).toBe(true);
        expect(end.line > start.line || (end.line === start.line && end.character >= start.character)).toBe(true);
        expect(end.line).toBeLessThan(lines.length + 1);
      }
      for (let l = 0; l < lines.length; l++) {
        const line = lines[l]!;
        for (let c = 0; c <= line.length; c++) {
          hover(a, docs, line, c, l);
          complete(a, docs, lines, l, c);
          definition(a, line, l, c, () => false);
        }
      }
      const edits = format(a);
      if (!a.compiled.ok) expect(edits).toEqual([]);
    }), { seed: SEED, numRuns: 300 });
  });
});
