/**
 * Highlighting from the editors' TextMate grammar (editors/vscode/syntaxes/fdwarden.tmLanguage.json),
 * so the page and the editors colour a policy alike from one file. The grammar is a flat list of
 * `match` rules whose regexes read alike in Oniguruma and JavaScript; this adapter scans a line as
 * TextMate does (at each position, the rule whose match starts first wins, ties to the earlier
 * rule) and gives each token its scope's highlighting tag.
 */
import { StreamLanguage, type StringStream } from '@codemirror/language';
import { tags, type Tag } from '@lezer/highlight';

export interface MatchRule {
  name: string;
  match: string;
}

export interface Grammar {
  scopeName: string;
  patterns: readonly { name?: string; match?: string }[];
}

/** Scope prefixes (TextMate's naming conventions) and the tag each is drawn with; the longest prefix wins. */
const SCOPE_TAGS: [string, Tag][] = [
  ['comment', tags.comment],
  ['string.unquoted.path', tags.special(tags.string)],
  ['string', tags.string],
  ['invalid', tags.invalid],
  ['variable', tags.variableName],
  ['entity.name.function', tags.function(tags.variableName)],
  ['keyword.control', tags.controlKeyword],
  ['keyword.operator', tags.operator],
  ['keyword', tags.keyword],
  ['support.constant.right', tags.atom],
  ['support.constant', tags.constant(tags.name)],
  ['constant.numeric', tags.number],
  ['constant.language', tags.bool],
  ['constant', tags.constant(tags.name)],
  ['punctuation.section', tags.brace],
  ['punctuation.definition.list', tags.squareBracket],
  ['punctuation', tags.separator],
];

/** The tag of a scope name (`keyword.control.fdwarden`), or undefined when no convention applies. */
export function tagOf(scope: string): Tag | undefined {
  let best: [string, Tag] | undefined;
  for (const entry of SCOPE_TAGS) {
    const [prefix] = entry;
    if ((scope === prefix || scope.startsWith(prefix + '.')) && (!best || prefix.length > best[0].length)) best = entry;
  }
  return best?.[1];
}

interface Compiled {
  token: string;
  re: RegExp;
}

/** The grammar's `match` rules, each as a global regex scanning a line and the token name of its scope. */
export function compileRules(grammar: Grammar): Compiled[] {
  const out: Compiled[] = [];
  for (const p of grammar.patterns) {
    if (p.match === undefined || p.name === undefined) continue;
    out.push({ token: p.name, re: new RegExp(p.match, 'g') });
  }
  return out;
}

/** The rule matching first at or after `pos` in `line`: its start, end and token (ties to the earlier rule). */
export function firstMatch(rules: readonly Compiled[], line: string, pos: number): { start: number; end: number; token: string } | undefined {
  let best: { start: number; end: number; token: string } | undefined;
  for (const r of rules) {
    r.re.lastIndex = pos;
    const m = r.re.exec(line);
    if (!m || m[0].length === 0) continue;
    if (!best || m.index < best.start) best = { start: m.index, end: m.index + m[0].length, token: r.token };
    if (best.start === pos) break;
  }
  return best;
}

/** A CodeMirror language highlighting as the grammar scopes. */
export function grammarLanguage(grammar: Grammar): StreamLanguage<null> {
  // Tokens are named t0, t1 ... (a scope name would be read by CodeMirror as tag names).
  const rules = compileRules(grammar).map((r, i) => ({ ...r, id: tagOf(r.token) ? `t${i}` : null }));
  const tokenTable: Record<string, Tag> = {};
  for (const r of rules) if (r.id) tokenTable[r.id] = tagOf(r.token)!;
  const ids = new Map(rules.map((r) => [r.token, r.id]));
  return StreamLanguage.define<null>({
    name: grammar.scopeName,
    startState: () => null,
    token(stream: StringStream): string | null {
      const m = firstMatch(rules, stream.string, stream.pos);
      if (!m) {
        stream.skipToEnd();
        return null;
      }
      if (m.start > stream.pos) {
        stream.pos = m.start;
        return null;
      }
      stream.pos = m.end;
      return ids.get(m.token) ?? null;
    },
    tokenTable,
    languageData: { commentTokens: { line: '#' } },
  });
}
