/**
 * What hover says about rights and syscalls, read from the normative specs themselves (shipped
 * with the package): spec/policy-language.md §5 says what each right guards, and
 * spec/syscall-rights.md which syscalls need it. Reading them keeps one source of truth.
 */
import { readFileSync } from 'node:fs';

export interface SyscallRow {
  /** The syscalls of the row, as the spec names them (`open`, `faccessat*`, `l*` forms ...). */
  syscalls: string[];
  /** How the object resolves. */
  object: string;
  /** The rights column, as written. */
  rights: string;
}

export interface SpecDocs {
  /** Right → what it guards. */
  guards: Map<string, string>;
  /** Right → the rows of the syscall table whose rights column names it. */
  rowsOf: Map<string, SyscallRow[]>;
  /** Syscall name → its row. */
  syscall: Map<string, SyscallRow>;
}

/** Cells of a markdown table row; `\|` is a `|` inside a cell. */
function cells(line: string): string[] {
  return line.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** The `code` spans of a cell. */
function codes(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** The rows of the first table after `heading` (or of the file's first table). */
function table(text: string, heading?: string): string[][] {
  const lines = text.split('\n');
  let i = heading === undefined ? 0 : lines.findIndex((l) => l.startsWith(heading));
  if (i < 0) return [];
  while (i < lines.length && !lines[i]!.startsWith('|')) i++;
  const rows: string[][] = [];
  for (i += 2; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(cells(lines[i]!));
  return rows;
}

export function readSpecDocs(specDir: URL = new URL('../../spec/', import.meta.url)): SpecDocs {
  const docs: SpecDocs = { guards: new Map(), rowsOf: new Map(), syscall: new Map() };
  const language = readFileSync(new URL('policy-language.md', specDir), 'utf8');
  for (const [names = '', guards = ''] of table(language, '## 5. Rights')) {
    // `chmod`, `chown`, `xattr`, `utime` | changing mode, owner, extended attributes, times
    const ns = codes(names);
    const parts = guards.split(', ');
    ns.forEach((n, i) => docs.guards.set(n, ns.length > 1 && parts.length === ns.length ? `changing ${parts[i]!.replace(/^changing /, '')}` : guards));
  }
  const rights = readFileSync(new URL('syscall-rights.md', specDir), 'utf8');
  for (const [calls = '', object = '', need = ''] of table(rights)) {
    const row: SyscallRow = { syscalls: codes(calls).filter((c) => /^[a-z_0-9]+\*?$/.test(c)), object, rights: need };
    for (const s of row.syscalls) docs.syscall.set(s, row);
    for (const r of new Set(codes(need))) {
      const list = docs.rowsOf.get(r) ?? [];
      list.push(row);
      docs.rowsOf.set(r, list);
    }
  }
  return docs;
}

/** A syscall's row: by its name, or by a pattern of the spec (`read*`, `faccessat*`). */
export function syscallRow(docs: SpecDocs, name: string): SyscallRow | undefined {
  const exact = docs.syscall.get(name);
  if (exact) return exact;
  let best: [number, SyscallRow] | undefined;
  for (const [k, row] of docs.syscall) {
    if (!k.endsWith('*') || k.length < 3 || !name.startsWith(k.slice(0, -1))) continue;
    if (!best || k.length > best[0]) best = [k.length, row];
  }
  return best?.[1];
}
