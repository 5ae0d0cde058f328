/**
 * Quick fixes: a diagnostic whose help line is a did-you-mean (`raed` → `read`, `$WROK` →
 * `$WORK`, `O_CRAET` → `O_CREAT`) offers to write the suggestion in place of the word. Only when
 * the diagnostic's range is that one word, so the edit can never touch more than the typo.
 */
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver';

const WORD = /^\$?[A-Za-z_][A-Za-z0-9_-]*$/;

export function quickFixes(uri: string, lineText: (line: number) => string, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== 'fdwarden' || typeof d.message !== 'string') continue;
    const m = /\nhelp: did you mean `([^`]+)`\?$/.exec(d.message);
    const { start, end } = d.range;
    if (!m || start.line !== end.line) continue;
    const word = lineText(start.line).slice(start.character, end.character);
    const fix = m[1]!;
    if (!WORD.test(word) || !WORD.test(fix) || word.startsWith('$') !== fix.startsWith('$')) continue;
    out.push({
      title: `Change \`${word}\` to \`${fix}\``,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: true,
      edit: { changes: { [uri]: [{ range: d.range, newText: fix }] } },
    });
  }
  return out;
}
