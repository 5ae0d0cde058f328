/**
 * `{a,b}` expansion, nested, with a cap on the number of results: the count is computed from
 * the parsed alternatives before anything is generated, so a pattern like `{a,b}{a,b}...`
 * is refused without ever building its expansion.
 */
import { classEnd } from './classes.js';
import type { ExpansionBudget } from './expansion-budget.js';
import type { TextProblem } from './vars.js';

/** A sequence of literal text and groups of alternative sequences. */
type Seq = (string | Seq[])[];

const MAX_DEPTH = 32;

interface Parsed { seq: Seq; end: number }

/** Parse from `i` until a `,` or `}` of the enclosing group (depth > 0) or the end. */
function parseSeq(text: string, i: number, depth: number, problems: TextProblem[]): Parsed | null {
  const seq: Seq = [];
  let lit = '';
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5b) {
      const e = classEnd(text, i);
      if (e > 0) { lit += text.slice(i, e); i = e; continue; }
    }
    if (c === 0x2c && depth > 0) break;
    if (c === 0x7d) {
      if (depth > 0) break;
      problems.push({ code: 'FW305', message: 'this `}` closes no `{`', help: 'write `[}]` for a literal `}`', at: i, len: 1 });
      return null;
    }
    if (c === 0x7b) {
      if (depth >= MAX_DEPTH) {
        problems.push({ code: 'FW305', message: `braces nested more than ${MAX_DEPTH} deep`, at: i, len: 1 });
        return null;
      }
      const open = i;
      const alts: Seq[] = [];
      i++;
      for (;;) {
        const r = parseSeq(text, i, depth + 1, problems);
        if (!r) return null;
        alts.push(r.seq);
        i = r.end;
        if (i >= text.length) {
          problems.push({ code: 'FW305', message: 'this `{` is never closed', help: 'write `[{]` for a literal `{`', at: open, len: 1 });
          return null;
        }
        i++;
        if (text.charCodeAt(i - 1) === 0x7d) break;
      }
      if (lit !== '') seq.push(lit);
      lit = '';
      seq.push(alts);
      continue;
    }
    lit += text.charAt(i);
    i++;
  }
  if (lit !== '') seq.push(lit);
  return { seq, end: i };
}

/** Number of expansions, saturating at `cap + 1`. */
function count(seq: Seq, cap: number): number {
  let n = 1;
  for (const p of seq) {
    if (typeof p === 'string') continue;
    let s = 0;
    for (const alt of p) s = Math.min(cap + 1, s + count(alt, cap));
    n = Math.min(cap + 1, n * s);
  }
  return n;
}

/** Characters of all expansions of `seq` (with their number), without building them. */
function size(seq: Seq): { n: number; chars: number } {
  let n = 1;
  let chars = 0;
  for (const p of seq) {
    if (typeof p === 'string') {
      chars += p.length * n;
      continue;
    }
    let an = 0;
    let ac = 0;
    for (const alt of p) {
      const s = size(alt);
      an += s.n;
      ac += s.chars;
    }
    chars = chars * an + ac * n;
    n *= an;
  }
  return { n, chars };
}

function generate(seq: Seq): string[] {
  let acc = [''];
  for (const p of seq) {
    if (typeof p === 'string') acc = acc.map((a) => a + p);
    else {
      const alts = p.flatMap((alt) => generate(alt));
      acc = acc.flatMap((a) => alts.map((b) => a + b));
    }
  }
  return acc;
}

/** Every expansion of `text`, or null with a problem (unbalanced braces, too many results). */
export function expandBraces(text: string, limit: number, problems: TextProblem[], budget?: ExpansionBudget): string[] | null {
  if (text.indexOf('{') < 0 && text.indexOf('}') < 0) return [text];
  const r = parseSeq(text, 0, 0, problems);
  if (!r) return null;
  const n = count(r.seq, limit);
  if (n > limit) {
    problems.push({ code: 'FW306', message: `braces expand this pattern to more than ${limit} patterns`, help: 'split the rule or use a wildcard', at: 0, len: text.length });
    return null;
  }
  const chars = size(r.seq).chars;
  if (budget && !budget.fits(chars)) {
    budget.refuse(chars, 0, text.length, problems);
    return null;
  }
  return generate(r.seq);
}
