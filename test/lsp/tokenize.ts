/** The grammar's tokens of a line, as `text:scope` (scoped tokens only). */
import type { GrammarRule } from '../../src/lsp/grammar.js';
import { tokenizeLine } from '../../src/lsp/tokens.js';

export { tokenizeLine };

export function scoped(rules: readonly GrammarRule[], line: string): string[] {
  return tokenizeLine(line, rules).filter((t) => t.scope !== undefined).map((t) => `${t.text}:${t.scope!}`);
}
