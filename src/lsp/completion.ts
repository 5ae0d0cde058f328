/**
 * Completion of keywords, rights, errnos, flags, types, scopes and variables, chosen by what the
 * line says before the cursor (cheap: no parse). Where the context is unclear, everything fits.
 */
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';
import { CLAUSE_KEYWORDS, OPEN_FLAGS, PROPERTY_KEYWORDS, TEST_KEYWORDS, TIER_KEYWORDS, TOP_KEYWORDS } from '../dsl/names.js';
import { variables, type Analysis } from './analysis.js';
import { ERRNO_TEXT } from './errno-text.js';
import { ERRNO_WORDS, FILE_TYPE_WORDS, INNER_KEYWORDS, RIGHT_WORDS, SCOPE_WORDS, STATEMENT_KEYWORDS } from './vocabulary.js';
import type { Errno } from '../linux/index.js';
import type { SpecDocs } from './spec-docs.js';

type Block = 'top' | 'tier' | 'test' | 'property';

/** Which block the cursor's line is in: the last `tier|test|property ... {` not closed before it. */
export function blockAt(lines: readonly string[], line: number): Block {
  let block: Block = 'top';
  for (let i = 0; i < line && i < lines.length; i++) {
    const l = lines[i]!.replace(/(^|\s)#.*$/, '');
    const open = /^\s*(tier|test|property)\b.*\{\s*$/.exec(l);
    if (open) block = open[1] as Block;
    else if (/^\s*\}/.test(l) || /\}\s*$/.test(l)) block = 'top';
  }
  return block;
}

const kw = (words: readonly string[], detail: string): CompletionItem[] =>
  words.map((w) => ({ label: w, kind: CompletionItemKind.Keyword, detail }));

export function complete(a: Analysis | undefined, docs: SpecDocs, lines: readonly string[], line: number, character: number): CompletionItem[] {
  const before = (lines[line] ?? '').slice(0, character);
  const vars = (): CompletionItem[] => (a ? [...variables(a).values()] : []).map((v) => ({
    label: `$${v.name}`, kind: CompletionItemKind.Variable, insertText: v.name, filterText: v.name,
    detail: v.override ? `fdwarden.vars: ${v.override.join(', ')}` : 'let',
  }));
  // After `$` or `${`: only variables (the `$` is already typed).
  if (/\$\{?[A-Za-z0-9_]*$/.test(before)) return vars();
  const rights = (): CompletionItem[] => [...RIGHT_WORDS, '*'].map((r) => ({
    label: r, kind: CompletionItemKind.EnumMember, detail: r === '*' ? 'every right' : (docs.guards.get(r) ?? 'right'),
  }));
  const errnos = (): CompletionItem[] => ERRNO_WORDS.map((e) => ({
    label: e, kind: CompletionItemKind.Constant, detail: ERRNO_TEXT[e as Errno],
  }));
  const flags = (): CompletionItem[] => [...OPEN_FLAGS.keys()].map((f) => ({ label: f, kind: CompletionItemKind.Constant, detail: 'open flag' }));
  const words = before.replace(/"(?:[^"\\]|\\.)*"/g, '""').split(/\s+/).filter((w) => w !== '');
  const last = before.endsWith(' ') || before.endsWith('\t') ? '' : (words.pop() ?? '');
  const prev = words[words.length - 1];
  const first = words[0];
  if (words.length === 0) {
    const block = blockAt(lines, line);
    const here = block === 'top' ? TOP_KEYWORDS : block === 'tier' ? TIER_KEYWORDS : block === 'test' ? TEST_KEYWORDS : PROPERTY_KEYWORDS;
    return kw(here, 'statement');
  }
  if (prev === 'errno' || (first === 'expect' && prev === 'deny' && words.length === 2)) return errnos();
  // `has O_CREAT,O_E`: the list is one word, the cursor in it.
  if (prev === 'has' || prev === 'lacks') return flags();
  if (prev === 'flags') return kw(['has', 'lacks'], 'condition');
  if (prev === 'when') return kw(['flags', 'type'], 'condition');
  if (prev === 'type' && words[words.length - 2] === 'when') return FILE_TYPE_WORDS.map((t) => ({ label: t, kind: CompletionItemKind.EnumMember, detail: 'file type' }));
  if (first === 'network' && words.length === 2) return [...SCOPE_WORDS, '*'].map((s) => ({ label: s, kind: CompletionItemKind.EnumMember, detail: 'network scope' }));
  if (first === 'network' && words.length >= 3) return kw(['errno', 'because'], 'clause');
  const ruleStart = first === 'allow' || first === 'deny' || (PROPERTY_KEYWORDS as readonly string[]).includes(first ?? '');
  // The rights list: right after the effect (or promise kind), or after a comma in it.
  if (ruleStart && words.length === 1) return rights();
  if (ruleStart && words.length >= 2) return [...kw(CLAUSE_KEYWORDS, 'clause'), ...vars()];
  if (first === 'default' || first === 'unknown') return words.length === 1 ? kw(['allow', 'deny'], 'effect') : kw(['errno'], 'clause');
  if (first === 'expect' && words.length === 1) return kw(['allow', 'deny'], 'decision');
  return [...kw(STATEMENT_KEYWORDS, 'statement'), ...kw(INNER_KEYWORDS, 'keyword'), ...rights(), ...errnos(), ...vars()];
}
