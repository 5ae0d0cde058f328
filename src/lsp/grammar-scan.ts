/**
 * Scanning a line as a TextMate engine does with the policy grammar's flat `match` rules: at
 * each point the leftmost match of any rule wins, the earlier rule on a tie; text no rule
 * matches has no scope. One scanner for the language server (what lies under the cursor) and
 * the playground (its highlighting), so both read a line alike. No Node built-in: the
 * playground bundles it.
 */

/** A grammar rule compiled for scanning: its scope name and a global, Unicode regex. */
export interface ScanRule {
  scope: string;
  re: RegExp;
}

/** The `match` rules of a grammar's patterns (others are skipped), in order. */
export function scanRules(patterns: readonly { name?: string; match?: string }[]): ScanRule[] {
  const out: ScanRule[] = [];
  for (const p of patterns) if (p.match !== undefined && p.name !== undefined) out.push({ scope: p.name, re: new RegExp(p.match, 'gu') });
  return out;
}

/** The rule matching first at or after `pos` in `line`: where its match starts and ends, and its scope. */
export function firstMatch(rules: readonly ScanRule[], line: string, pos: number): { start: number; end: number; scope: string } | undefined {
  let best: { start: number; end: number; scope: string } | undefined;
  for (const r of rules) {
    r.re.lastIndex = pos;
    const m = r.re.exec(line);
    if (!m || m[0].length === 0) continue;
    if (!best || m.index < best.start) best = { start: m.index, end: m.index + m[0].length, scope: r.scope };
    if (best.start === pos) break;
  }
  return best;
}
