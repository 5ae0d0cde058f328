/**
 * Hover: a right (what it guards, which syscalls need it: from the specs), an errno (number and
 * strerror text), a variable (its definition and values), a syscall of a test call (the rights
 * it needs).
 */
import type { Hover, MarkupContent } from 'vscode-languageserver';
import { ERRNO, isErrno, O_FLAGS } from '../linux/index.js';
import { ACCESS_MODES } from '../dsl/names.js';
import { ABIS } from '../rules/rights.js';
import { expandVariable, variables, type Analysis } from './analysis.js';
import { ERRNO_TEXT } from './errno-text.js';
import { syscallRow, type SpecDocs, type SyscallRow } from './spec-docs.js';
import { tokenAt, tokenizeLine, variableAt } from './tokens.js';

const md = (value: string): MarkupContent => ({ kind: 'markdown', value });

function rowLine(r: SyscallRow): string {
  return `- ${r.syscalls.map((s) => `\`${s}\``).join(', ')}: ${r.rights}`;
}

export function rightDoc(docs: SpecDocs, name: string): string {
  if (name === 'rename') return `**\`rename\`**: both ends of a rename, \`rename-from\` and \`rename-to\`\n\n${rightDoc(docs, 'rename-from')}\n\n${rightDoc(docs, 'rename-to')}`;
  const guards = docs.guards.get(name);
  const rows = docs.rowsOf.get(name) ?? [];
  const lines = [`**right \`${name}\`**${guards ? `: ${guards}` : ''}`];
  if (rows.length > 0) lines.push('', 'Syscalls that need it (spec/syscall-rights.md):', ...rows.map(rowLine));
  return lines.join('\n');
}

export function errnoDoc(name: string): string | undefined {
  if (!isErrno(name)) return undefined;
  return `**\`${name}\`** (${ERRNO[name]}): ${ERRNO_TEXT[name]}`;
}

function flagDoc(name: string): string | undefined {
  const value = (O_FLAGS as Readonly<Record<string, number>>)[name];
  if (value === undefined) return undefined;
  const mode = ACCESS_MODES.has(name);
  return `**\`${name}\`** (0o${value.toString(8)}, x86-64): ${mode ? 'an access mode, not a flag: the rights `read` and `write` decide it' : 'an open flag; `when flags has` / `when flags lacks` test it'}`;
}

function variableDoc(a: Analysis, name: string): string {
  const v = variables(a).get(name);
  if (!v) return `**\`$${name}\`**: not defined (FW201); define it with \`let $${name} = "..."\` or in the \`fdwarden.vars\` setting`;
  const lines = [`**\`$${name}\`**`];
  if (v.override) lines.push(`set by the \`fdwarden.vars\` setting (as \`--var\`): ${v.override.map((x) => `\`${x}\``).join(', ')}`);
  for (const l of v.lets) {
    const where = l.item.span ? `${l.file}:${l.item.span.line}` : l.file;
    const text = l.item.list ? `[${l.item.values.map((p) => JSON.stringify(p.text)).join(', ')}]` : JSON.stringify(l.item.values[0]?.text ?? '');
    lines.push(`${v.override ? 'overrides ' : ''}\`let $${name} = ${text}\` (${where})`);
  }
  const values = expandVariable(a, name);
  if (values) lines.push('', `values: ${values.map((x) => `\`${x}\``).join(', ')}`);
  return lines.join('\n\n');
}

export function hover(a: Analysis | undefined, docs: SpecDocs, line: string, character: number, line0: number): Hover | null {
  const v = variableAt(line, character);
  if (v && a) {
    return { contents: md(variableDoc(a, v.name)), range: { start: { line: line0, character: v.start }, end: { line: line0, character: v.end } } };
  }
  const t = tokenAt(tokenizeLine(line), character);
  if (!t?.scope) return null;
  const range = { start: { line: line0, character: t.start }, end: { line: line0, character: t.start + t.text.length } };
  let text: string | undefined;
  if (t.scope === 'support.constant.right') text = rightDoc(docs, t.text);
  else if (t.scope === 'support.constant.errno') text = errnoDoc(t.text);
  else if (t.scope === 'support.constant.flag') text = flagDoc(t.text);
  else if (t.scope === 'constant.language.all') text = `**\`*\`**: every right of the abi (${(ABIS[1] ?? []).join(', ')}); in a \`network\` statement, every scope`;
  else if (t.scope === 'entity.name.function.syscall') {
    const row = syscallRow(docs, t.text);
    text = row ? `**\`${t.text}\`**: ${row.object}\n\nneeds: ${row.rights}` : undefined;
  }
  return text === undefined ? null : { contents: md(text), range };
}
