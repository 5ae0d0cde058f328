/**
 * Go to definition: a variable goes to its `let` (in the document or a file it includes), an
 * `include` line to the file it names (resolved as the compiler resolves it).
 */
import type { Location } from 'vscode-languageserver';
import { resolveInclude } from '../dsl/index.js';
import { variables, type Analysis } from './analysis.js';
import { variableAt } from './tokens.js';
import { rangeOf, uriOfFile } from './uris.js';

const START = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function definition(a: Analysis, line: string, line0: number, character: number, exists: (file: string) => boolean): Location[] {
  const v = variableAt(line, character);
  if (v) {
    const info = variables(a).get(v.name);
    return (info?.lets ?? []).filter((l) => l.item.span).map((l) => ({ uri: uriOfFile(l.file), range: rangeOf(l.item.span!) }));
  }
  for (const it of a.compiled.ast.items) {
    if (it.kind !== 'include' || !it.span || it.span.line - 1 !== line0) continue;
    if (character < it.span.col - 1 || character > it.span.endCol - 1) continue;
    const target = resolveInclude(a.file, it.path);
    return exists(target) ? [{ uri: uriOfFile(target), range: START }] : [];
  }
  return [];
}
