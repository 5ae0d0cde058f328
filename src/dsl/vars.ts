/**
 * List-valued variables. `$X` (or `${X}`) in a pattern stands for every value of X, so a
 * pattern with several references expands to their cartesian product. Values are pattern text
 * themselves and may use other variables; a definition that reaches itself is an error.
 */
import type { Span } from '../rules/ir.js';
import { classEnd } from './classes.js';
import type { Code } from './diagnostics.js';
import type { ExpansionBudget } from './expansion-budget.js';
import { isIdentStart, isVarChar } from './lexer.js';
import { didYouMean } from './suggest.js';

export interface VarDef {
  name: string;
  /** Value texts with their spans (none for a `--var` override). */
  values: { text: string; span?: Span }[];
  span?: Span;
}

/** A problem at `[at, at + len)` of the text being expanded. */
export interface TextProblem {
  code: Code;
  message: string;
  help?: string;
  at: number;
  len: number;
}

/** Reports a problem found inside a variable's own value (it has its own place). */
export type Report = (code: Code, span: Span | undefined, message: string, help?: string) => void;

type Piece = string | readonly string[];

export class VarEnv {
  private readonly resolved = new Map<string, readonly string[] | null>();
  private readonly resolving = new Set<string>();
  /** Names referenced anywhere (for the unused-variable warning). */
  readonly used = new Set<string>();

  constructor(
    private readonly defs: ReadonlyMap<string, VarDef>,
    private readonly report: Report,
    private readonly limit: number,
    private readonly budget?: ExpansionBudget,
  ) {}

  /**
   * Every value of `name`, fully expanded; null when it is undefined or broken (already
   * reported at its definition, or returned as a problem for the use site).
   */
  private values(name: string, at: number, len: number, problems: TextProblem[]): readonly string[] | null {
    this.used.add(name);
    const done = this.resolved.get(name);
    if (done !== undefined) return done;
    const def = this.defs.get(name);
    if (!def) {
      const p: TextProblem = { code: 'FW201', message: `undefined variable \`$${name}\``, at, len };
      const help = didYouMean(name, this.defs.keys());
      p.help = help !== undefined ? help.replace('`', '`$') : `define it with \`let $${name} = "..."\` or pass \`--var ${name}=...\``;
      problems.push(p);
      return null;
    }
    if (this.resolving.has(name)) {
      problems.push({ code: 'FW203', message: `variable \`$${name}\` is defined in terms of itself`, at, len });
      return null;
    }
    this.resolving.add(name);
    const out: string[] = [];
    let ok = true;
    for (const v of def.values) {
      const inner: TextProblem[] = [];
      const r = this.expand(v.text, inner);
      for (const p of inner) this.report(p.code, v.span ?? def.span, `in \`$${name}\`: ${p.message}`, p.help);
      if (r === null) { ok = false; continue; }
      out.push(...r);
      if (out.length > this.limit) {
        this.report('FW306', def.span, `\`$${name}\` expands to more than ${this.limit} values`);
        ok = false;
        break;
      }
    }
    this.resolving.delete(name);
    // Resolved values are kept for every use: they count against the policy's expansion bound.
    if (ok) this.budget?.take(out.reduce((n, v) => n + v.length, 0));
    const result = ok ? out : null;
    this.resolved.set(name, result);
    return result;
  }

  /** Expand every variable in `text`; null (with problems) when one cannot be expanded. */
  expand(text: string, problems: TextProblem[]): string[] | null {
    const pieces: Piece[] = [];
    let lit = '';
    let failed = false;
    let i = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x5b) { // a class is copied whole: `[$]` is a literal `$`
        const e = classEnd(text, i);
        if (e > 0) { lit += text.slice(i, e); i = e; continue; }
      }
      if (c !== 0x24) { lit += text.charAt(i); i++; continue; }
      const ref = readRef(text, i);
      if (typeof ref === 'number') {
        problems.push({ code: 'FW204', message: 'a `$` must start a variable name', help: 'write `[$]` for a literal `$`', at: i, len: Math.max(1, ref - i) });
        failed = true;
        i = Math.max(ref, i + 1);
        continue;
      }
      const vals = this.values(ref.name, i, ref.end - i, problems);
      if (vals === null) failed = true;
      else {
        if (lit !== '') pieces.push(lit);
        lit = '';
        pieces.push(vals);
      }
      i = ref.end;
    }
    if (lit !== '') pieces.push(lit);
    if (failed) return null;
    let count = 1;
    for (const p of pieces) if (typeof p !== 'string') count *= p.length;
    if (count > this.limit) {
      problems.push({ code: 'FW306', message: `variables expand this pattern to ${count} patterns, more than ${this.limit}`, at: 0, len: text.length });
      return null;
    }
    const chars = expandedLength(pieces, count);
    if (this.budget && !this.budget.fits(chars)) {
      this.budget.refuse(chars, 0, text.length, problems);
      return null;
    }
    let acc = [''];
    for (const p of pieces) {
      if (typeof p === 'string') acc = acc.map((a) => a + p);
      else acc = acc.flatMap((a) => p.map((v) => a + v));
    }
    return acc;
  }
}

/** Characters of all `count` combinations of `pieces`, without building them. */
function expandedLength(pieces: readonly Piece[], count: number): number {
  let n = 0;
  for (const p of pieces) {
    if (typeof p === 'string') n += p.length * count;
    else if (p.length > 0) n += (p.reduce((m, v) => m + v.length, 0) * count) / p.length;
  }
  return n;
}

/** `$NAME` or `${NAME}` at `i`: the name and the end, or (when malformed) where to resume. */
export function readRef(text: string, i: number): { name: string; end: number } | number {
  if (text.charCodeAt(i + 1) === 0x7b) {
    let j = i + 2;
    if (!isIdentStart(text.charCodeAt(j))) return j;
    while (j < text.length && isVarChar(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 0x7d) return j;
    return { name: text.slice(i + 2, j), end: j + 1 };
  }
  if (!isIdentStart(text.charCodeAt(i + 1))) return i + 1;
  let j = i + 2;
  while (j < text.length && isVarChar(text.charCodeAt(j))) j++;
  return { name: text.slice(i + 1, j), end: j };
}

/** A `--var` override's name as the policy spells it without `$` (`$HOME` and `HOME` are one). */
export function overrideName(raw: string): string {
  return raw.startsWith('$') ? raw.slice(1) : raw;
}

/** Whether `name` can be a variable name (for `--var` overrides). */
export function isVarName(name: string): boolean {
  if (!isIdentStart(name.charCodeAt(0))) return false;
  for (let i = 1; i < name.length; i++) if (!isVarChar(name.charCodeAt(i))) return false;
  return true;
}
