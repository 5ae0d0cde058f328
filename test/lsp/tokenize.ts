/**
 * How a TextMate engine reads a grammar of flat `match` rules: at each point of a line the
 * leftmost match of any rule wins, the earlier rule on a tie; unmatched text has no scope.
 */
import type { GrammarRule } from '../../src/lsp/grammar.js';

export interface Token {
  text: string;
  scope: string | undefined;
}

export function tokenizeLine(rules: readonly GrammarRule[], line: string): Token[] {
  const res = rules.map((r) => ({ name: r.name, re: new RegExp(r.match, 'gu') }));
  const out: Token[] = [];
  let pos = 0;
  while (pos < line.length) {
    let best: { at: number; end: number; name: string } | undefined;
    for (const r of res) {
      r.re.lastIndex = pos;
      const m = r.re.exec(line);
      if (!m || m[0].length === 0) continue;
      if (!best || m.index < best.at) best = { at: m.index, end: m.index + m[0].length, name: r.name };
    }
    if (!best) { out.push({ text: line.slice(pos), scope: undefined }); break; }
    if (best.at > pos) out.push({ text: line.slice(pos, best.at), scope: undefined });
    out.push({ text: line.slice(best.at, best.end), scope: best.name });
    pos = best.end;
  }
  return out;
}

/** The scoped tokens only, as `text:scope` without the `.fdwarden` suffix. */
export function scoped(rules: readonly GrammarRule[], line: string): string[] {
  return tokenizeLine(rules, line)
    .filter((t) => t.scope !== undefined)
    .map((t) => `${t.text}:${t.scope!.replace(/\.fdwarden$/, '')}`);
}
