/**
 * Reading a line as the grammar does (a TextMate engine on flat `match` rules: at each point
 * the leftmost match of any rule wins, the earlier rule on a tie; text no rule matches has no
 * scope). Hover, completion and definition use it to know what lies under the cursor.
 */
import { policyGrammar, type GrammarRule } from './grammar.js';
import { firstMatch, scanRules, type ScanRule } from './grammar-scan.js';

export interface Token {
  text: string;
  /** Offset in the line (UTF-16 units, as LSP positions count). */
  start: number;
  /** The rule's scope without `.fdwarden`, or undefined for unmatched text. */
  scope: string | undefined;
}

let compiled: ScanRule[] | undefined;

function rulesOf(rules: readonly GrammarRule[] | undefined): ScanRule[] {
  if (rules) return scanRules(rules).map((r) => ({ ...r, scope: r.scope.replace(/\.fdwarden$/, '') }));
  compiled ??= rulesOf(policyGrammar().patterns);
  return compiled;
}

export function tokenizeLine(line: string, rules?: readonly GrammarRule[]): Token[] {
  const res = rulesOf(rules);
  const out: Token[] = [];
  let pos = 0;
  while (pos < line.length) {
    const best = firstMatch(res, line, pos);
    if (!best) { out.push({ text: line.slice(pos), start: pos, scope: undefined }); break; }
    if (best.start > pos) out.push({ text: line.slice(pos, best.start), start: pos, scope: undefined });
    out.push({ text: line.slice(best.start, best.end), start: best.start, scope: best.scope });
    pos = best.end;
  }
  return out;
}

/** The token the cursor is on: the one containing `character`, else the one ending there. */
export function tokenAt(tokens: readonly Token[], character: number): Token | undefined {
  return tokens.find((t) => character >= t.start && character < t.start + t.text.length)
    ?? tokens.find((t) => character === t.start + t.text.length && t.scope !== undefined);
}

/** A `$NAME` or `${NAME}` reference under the cursor (also inside strings and patterns). */
export function variableAt(line: string, character: number): { name: string; start: number; end: number } | undefined {
  for (const m of line.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const start = m.index;
    const end = start + m[0].length;
    if (character >= start && character <= end) return { name: (m[1] ?? m[2])!, start, end };
  }
  return undefined;
}
