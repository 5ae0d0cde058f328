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

/** Widest source line shown; a longer one is cut around the span, with `…` where it was cut. */
const MAX_LINE = 120;
/** Context kept before the span when a long line is cut. */
const LEAD = 40;

/** The part of a long line that is shown, and where the span starts within it. */
function window(line: string, from: number, to: number): { text: string; from: number; to: number } {
  if (line.length <= MAX_LINE) return { text: line, from, to };
  const start = Math.max(0, Math.min(from - LEAD, line.length - MAX_LINE));
  const end = Math.min(line.length, start + MAX_LINE);
  const pre = start > 0 ? '…' : '';
  const post = end < line.length ? '…' : '';
  const shift = pre.length - start;
  return { text: pre + line.slice(start, end) + post, from: from + shift, to: Math.min(to, end) + shift };
}

/** The diagnostic with its source line underlined (the line is left out when the text is unknown). */
export function renderDiagnostic(d: Diagnostic, sourceText: string | undefined): string {
  const s = d.span;
  const out = [`${s.file}:${s.line}:${s.col}: ${d.severity}[${d.code}]: ${d.message}`];
  const full = sourceText === undefined ? undefined : lineOf(sourceText, s.line);
  const gutter = String(s.line).length;
  const pad = ' '.repeat(gutter);
  if (full !== undefined) {
    const from0 = Math.min(Math.max(s.col - 1, 0), full.length);
    const to0 = s.endLine === s.line ? Math.min(Math.max(s.endCol - 1, from0), full.length) : full.length;
    const { text: line, from, to } = window(full, from0, to0);
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

/** How many diagnostics are rendered in full by default; the rest are counted. */
export const MAX_RENDERED = 50;

/**
 * Every diagnostic rendered, each with the text of the file its span is in (when known): at most
 * `max` of them in full, in order, then one line counting the rest.
 */
export function renderDiagnostics(diags: readonly Diagnostic[], sources: ReadonlyMap<string, string>, max = MAX_RENDERED): string {
  const ordered = diags;
  const shown = ordered.slice(0, Math.max(0, max)).map((d) => renderDiagnostic(d, sources.get(d.span.file)));
  const rest = ordered.slice(Math.max(0, max));
  if (rest.length > 0) {
    const errors = rest.filter((d) => d.severity === 'error').length;
    shown.push(`... and ${rest.length} more (${errors} error${errors === 1 ? '' : 's'}, ${rest.length - errors} other${rest.length - errors === 1 ? '' : 's'}) not shown`);
  }
  return shown.join('\n\n');
}
