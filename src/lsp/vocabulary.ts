/**
 * The words of the policy language, grouped as an editor shows them: taken from the modules the
 * parser and the compiler read (src/dsl/names.ts, src/rules/rights.ts, src/rules/network.ts), so
 * highlighting and completion can never offer a word the compiler refuses or miss one it accepts.
 */
import { CLAUSE_KEYWORDS, ERRNO_NAMES, FILE_TYPES, OPEN_FLAGS, ACCESS_MODES, PROPERTY_KEYWORDS, TEST_KEYWORDS, TOP_KEYWORDS } from '../dsl/names.js';
import { NET_SCOPES } from '../rules/network.js';
import { ABIS } from '../rules/rights.js';

/** Words that start a statement (top level, in a test block, in a property block). */
export const STATEMENT_KEYWORDS: readonly string[] = unique([...TOP_KEYWORDS, ...TEST_KEYWORDS, ...PROPERTY_KEYWORDS]);

/**
 * Words inside a statement: the rule clauses, and the fixed words of the header (`abi`) and of
 * `when` (`flags has|lacks`, `type`), which the parser matches literally (test/lsp checks each
 * one is required where it stands).
 */
export const INNER_KEYWORDS: readonly string[] = unique([...CLAUSE_KEYWORDS, 'abi', 'flags', 'has', 'lacks', 'type']);

/** Every right of every abi, and `rename` (both ends); `*` is punctuation-like and kept apart. */
export const RIGHT_WORDS: readonly string[] = unique([...Object.values(ABIS).flat(), 'rename']);

export const ERRNO_WORDS: readonly string[] = ERRNO_NAMES;

/** Open flags a `when flags` condition may test, and the access modes a test call may use. */
export const FLAG_WORDS: readonly string[] = unique([...OPEN_FLAGS.keys(), ...ACCESS_MODES]);

/** `when type` values and `network` scopes (without `*`). */
export const FILE_TYPE_WORDS: readonly string[] = FILE_TYPES;
export const SCOPE_WORDS: readonly string[] = NET_SCOPES;

function unique(words: readonly string[]): string[] {
  return [...new Set(words)];
}
