/**
 * A diagnostic as a human reads it:
 *
 *   p.policy:3:7: error[FW102]: unknown right `raed` in abi 1
 *    3 | allow raed /srv
 *      |       ^^^^
 *      = help: did you mean `read`?
 */
import type { Diagnostic } from './diagnostics.js';

/** Start offsets of the lines of a text, cached: rendering many diagnostics stays linear. */
const lineStarts = new Map<string, number[]>();

function startsOf(text: string): number[] {
  let starts = lineStarts.get(text);
  if (!starts) {
    starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    if (lineStarts.size > 16) lineStarts.clear();
    lineStarts.set(text, starts);
  }
  return starts;
}

/** Line `n` (1-based) of `text`, without its line break; undefined past the end. */
function lineOf(text: string, n: number): string | undefined {
  const starts = startsOf(text);
  const start = starts[n - 1];
  if (start === undefined) return undefined;
  const next = starts[n];
  const line = text.slice(start, next === undefined ? text.length : next - 1);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** The diagnostic with its source line underlined (the line is left out when the text is unknown). */
export function renderDiagnostic(d: Diagnostic, sourceText: string | undefined): string {
  const s = d.span;
  const out = [`${s.file}:${s.line}:${s.col}: ${d.severity}[${d.code}]: ${d.message}`];
  const line = sourceText === undefined ? undefined : lineOf(sourceText, s.line);
  const gutter = String(s.line).length;
  const pad = ' '.repeat(gutter);
  if (line !== undefined) {
    const from = Math.min(Math.max(s.col - 1, 0), line.length);
    const to = s.endLine === s.line ? Math.min(Math.max(s.endCol - 1, from), line.length) : line.length;
    // Keep tabs in the indent so the carets line up under the same columns.
    const indent = [...line.slice(0, from)].map((c) => (c === '\t' ? '\t' : ' ')).join('');
    const width = Math.max(1, [...line.slice(from, to)].length);
    out.push(`${String(s.line)} | ${line}`);
    out.push(`${pad} | ${indent}${'^'.repeat(width)}`);
  }
  if (d.help !== undefined) out.push(`${pad} = help: ${d.help}`);
  for (const r of d.related ?? []) out.push(`${pad} = note: ${r.message} (${r.span.file}:${r.span.line}:${r.span.col})`);
  return out.join('\n');
}

/** Every diagnostic rendered, each with the text of the file its span is in (when known). */
export function renderDiagnostics(diags: readonly Diagnostic[], sources: ReadonlyMap<string, string>): string {
  return diags.map((d) => renderDiagnostic(d, sources.get(d.span.file))).join('\n\n');
}
