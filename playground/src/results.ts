/**
 * The results pane: the counts `fdwarden audit --json` gives (also as data attributes), and every
 * line of the log with its decision: allowed, denied with its errno, refused by the kernel itself;
 * `data-unknown` marks a call on an object the model could not resolve.
 */
import type { AuditReport } from 'fdwarden/browser';
import { decisionOf } from './session.js';

/** Lines shown at most; the counts cover the whole log. */
const MAX_SHOWN = 20_000;

function span(className: string, text: string): HTMLSpanElement {
  const e = document.createElement('span');
  e.className = className;
  e.textContent = text;
  return e;
}

export function renderResults(counts: HTMLElement, box: HTMLElement, report: AuditReport, lines: readonly string[]): void {
  const s = report.summary;
  counts.textContent = `${s.syscalls} syscalls decided, ${s.allowed} allowed, ${s.denied} denied${s.deniedButFailedAnyway ? ` (${s.deniedButFailedAnyway} failed in the recording anyway)` : ''}, ${s.unknown} on unknown objects`;
  for (const [k, v] of Object.entries(s)) counts.dataset[k] = String(v);
  const frag = document.createDocumentFragment();
  const n = Math.min(lines.length, MAX_SHOWN);
  for (let i = 1; i <= n; i++) {
    const row = document.createElement('div');
    row.className = 'line';
    row.dataset['line'] = String(i);
    const j = report.judged.get(i);
    let label = '';
    if (j) {
      const d = decisionOf(j);
      row.dataset['decision'] = d.kind;
      if (d.unknown) row.dataset['unknown'] = '';
      label = d.label;
    }
    row.append(span('n', String(i)), span('d', label), span('t', lines[i - 1]!));
    frag.append(row);
  }
  if (lines.length > n) {
    const more = document.createElement('div');
    more.textContent = `… ${lines.length - n} more lines (counted above, not shown)`;
    frag.append(more);
  }
  box.replaceChildren(frag);
}
