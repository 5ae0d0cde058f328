/**
 * Highlighting from the editors' TextMate grammar (editors/vscode/syntaxes/fdwarden.tmLanguage.json),
 * so the page and the editors colour a policy alike from one file. The grammar is a flat list of
 * `match` rules whose regexes read alike in Oniguruma and JavaScript; the language server's scanner
 * (src/lsp/grammar-scan.ts) reads a line as TextMate does, and this adapter gives each token its
 * scope's highlighting tag.
 */
import { StreamLanguage, type StringStream } from '@codemirror/language';
import { tags, type Tag } from '@lezer/highlight';
import { firstMatch, scanRules } from '../../src/lsp/grammar-scan.js';

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

/** A CodeMirror language highlighting as the grammar scopes. */
export function grammarLanguage(grammar: Grammar): StreamLanguage<null> {
  // Tokens are named t0, t1 ... (a scope name would be read by CodeMirror as tag names).
  const rules = scanRules(grammar.patterns);
  const tokenTable: Record<string, Tag> = {};
  const ids = new Map<string, string | null>();
  rules.forEach((r, i) => {
    const tag = tagOf(r.scope);
    ids.set(r.scope, tag ? `t${i}` : null);
    if (tag) tokenTable[`t${i}`] = tag;
  });
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
      return ids.get(m.scope) ?? null;
    },
    tokenTable,
    languageData: { commentTokens: { line: '#' } },
  });
}
