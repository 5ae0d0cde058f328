/**
 * Formatting with the project's printer: each statement becomes its canonical text
 * (`printPolicy`), in place, so blank lines and comments between statements stay. A block
 * that holds a comment is left as written (the printer keeps no comments), and a document
 * with errors is not formatted at all: its statements may not be what the writer meant.
 */
import type { TextEdit } from 'vscode-languageserver';
import { printPolicy, type PolicyAst, type Span } from '../dsl/index.js';
import type { Analysis } from './analysis.js';
import { rangeOf } from './uris.js';

/** The text a span covers. */
function slice(lines: readonly string[], s: Span): string {
  if (s.line === s.endLine) return lines[s.line - 1]!.slice(s.col - 1, s.endCol - 1);
  const out = [lines[s.line - 1]!.slice(s.col - 1)];
  for (let l = s.line; l < s.endLine - 1; l++) out.push(lines[l]!);
  out.push(lines[s.endLine - 1]!.slice(0, s.endCol - 1));
  return out.join('\n');
}

export function format(a: Analysis): TextEdit[] {
  if (!a.compiled.ok) return [];
  const ast = a.compiled.ast;
  const lines = a.text.split('\n').map((l) => l.replace(/\r$/, ''));
  const pieces: { span: Span; ast: PolicyAst }[] = [];
  if (ast.header?.span) pieces.push({ span: ast.header.span, ast: { header: ast.header, items: [] } });
  if (ast.default?.span) pieces.push({ span: ast.default.span, ast: { default: ast.default, items: [] } });
  if (ast.unknown?.span) pieces.push({ span: ast.unknown.span, ast: { unknown: ast.unknown, items: [] } });
  for (const it of ast.items) if (it.span) pieces.push({ span: it.span, ast: { items: [it] } });
  const edits: TextEdit[] = [];
  for (const p of pieces) {
    const old = slice(lines, p.span);
    if (p.span.line !== p.span.endLine && old.includes('#')) continue;
    const indent = /^\s*/.exec(lines[p.span.line - 1]!)![0];
    const text = printPolicy(p.ast).replace(/\n$/, '').replace(/\n/g, `\n${indent}`);
    if (text !== old) edits.push({ range: rangeOf(p.span), newText: text });
  }
  return edits;
}
