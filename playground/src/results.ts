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

/** Rows built between two turns given back to the page. */
const CHUNK = 2000;

/**
 * Shows the counts and the lines, rows added in chunks so a long log never holds the page; the
 * counts (and their data attributes) come last, once every row is in. Stops when `current()`
 * turns false (newer results are on their way).
 */
export async function renderResults(counts: HTMLElement, box: HTMLElement, report: AuditReport, lines: readonly string[], current: () => boolean = () => true): Promise<void> {
  const s = report.summary;
  const n = Math.min(lines.length, MAX_SHOWN);
  box.replaceChildren();
  for (let from = 1; from <= n; from += CHUNK) {
    if (from > 1) {
      counts.textContent = `showing line ${from - 1} of ${n}…`;
      await new Promise((r) => setTimeout(r, 0));
      if (!current()) return;
    }
    const frag = document.createDocumentFragment();
    for (let i = from; i <= Math.min(n, from + CHUNK - 1); i++) {
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
    box.append(frag);
  }
  if (lines.length > n) {
    const more = document.createElement('div');
    more.textContent = `… ${lines.length - n} more lines (counted above, not shown)`;
    box.append(more);
  }
  counts.textContent = `${s.syscalls} syscalls decided, ${s.allowed} allowed, ${s.denied} denied${s.deniedButFailedAnyway ? ` (${s.deniedButFailedAnyway} failed in the recording anyway)` : ''}, ${s.unknown} on unknown objects`;
  for (const [k, v] of Object.entries(s)) counts.dataset[k] = String(v);
}
