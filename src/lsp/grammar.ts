/**
 * The TextMate grammar of policy files (editors/vscode/syntaxes/fdwarden.tmLanguage.json is this
 * object, written by scripts/gen-grammar.mjs). Only flat `match` rules, with regexes that mean
 * the same in Oniguruma (VS Code) and JavaScript (the playground builds its highlighting from the
 * same file): no begin/end, no variable-length lookbehind, no \A \G \z or possessive quantifiers.
 * A line is tokenized by taking, at each point, the leftmost match, the earlier rule on a tie.
 */
import { ERRNO_WORDS, FILE_TYPE_WORDS, FLAG_WORDS, INNER_KEYWORDS, RIGHT_WORDS, SCOPE_WORDS, STATEMENT_KEYWORDS } from './vocabulary.js';

export interface GrammarRule {
  name: string;
  match: string;
}

export interface Grammar {
  $schema: string;
  name: string;
  scopeName: string;
  fileTypes: string[];
  patterns: GrammarRule[];
}

/** Identifiers hold letters, digits, `_` and `-`: a word is whole when neither side continues it. */
function words(list: readonly string[]): string {
  const sorted = [...list].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  return `(?<![\\w$-])(?:${sorted.map((w) => w.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|')})(?![\\w-])`;
}

/** A `$` that starts no variable name is part of the pattern (`[$]`). */
const PATTERN_CHAR = '(?:[^\\s;"$]|\\$(?![A-Za-z_{]))';

export function policyGrammar(): Grammar {
  const r = (name: string, match: string): GrammarRule => ({ name: `${name}.fdwarden`, match });
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'fdwarden policy',
    scopeName: 'source.fdwarden',
    fileTypes: ['policy'],
    patterns: [
      // Inside a bare pattern a `#` belongs to it: the pattern starts earlier, so it wins.
      r('comment.line.number-sign', '#.*$'),
      // strace's `/* 3 vars */` in a test call; a bare pattern holds no blank, so none reads so.
      r('comment.block', '/\\*\\s(?:[^*]|\\*(?!/))*\\s\\*/'),
      r('string.quoted.double', '"(?:[^"\\\\]|\\\\.)*"'),
      r('invalid.illegal.unterminated-string', '"(?:[^"\\\\]|\\\\.)*\\\\?$'),
      r('variable.other', '\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}|\\$[A-Za-z_][A-Za-z0-9_]*'),
      // Bare patterns start with `/` or `{` (a `{` followed by a blank opens a block instead).
      r('string.unquoted.path', `(?:/|\\{(?=[^\\s}]))${PATTERN_CHAR}*`),
      r('entity.name.function.syscall', '[A-Za-z_][A-Za-z0-9_]*(?=\\()'),
      r('keyword.control', words(STATEMENT_KEYWORDS)),
      r('keyword.other', words(INNER_KEYWORDS)),
      r('support.constant.right', words(RIGHT_WORDS)),
      r('support.constant.errno', words(ERRNO_WORDS)),
      r('support.constant.flag', words(FLAG_WORDS)),
      r('constant.language.file-type', words(FILE_TYPE_WORDS)),
      r('constant.language.network-scope', words(SCOPE_WORDS)),
      // `*` standing alone in a rights or scopes list: every right (every scope).
      r('constant.language.all', '(?<![^\\s,])\\*(?![^\\s,])'),
      // Other constants of a test call, as strace prints them (AT_FDCWD, RENAME_NOREPLACE).
      r('constant.other', '(?<![\\w$-])[A-Z][A-Z0-9]*_[A-Z0-9_]+(?![\\w-])'),
      r('constant.numeric', '(?<![\\w$-])(?:0[xX][0-9A-Fa-f]+|[0-9]+)(?![\\w-])'),
      r('keyword.operator.assignment', '='),
      r('keyword.operator.bitwise', '\\|'),
      r('punctuation.section.block', '[{}]'),
      r('punctuation.definition.list', '[\\[\\]]'),
      r('punctuation.separator', '[,;]'),
    ],
  };
}

/** The grammar as the committed file holds it. */
export function grammarJson(): string {
  return `${JSON.stringify(policyGrammar(), null, 2)}\n`;
}
