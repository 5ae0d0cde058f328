#!/usr/bin/env node
/**
 * Normalise the WALI syscall table into spec/wali/syscalls.json and copy its MIT notice.
 *
 *   node scripts/gen-wali-table.mjs [path/to/wali-syscalls.json]
 *
 * The default input is ../shared/wali/wali-syscalls.json relative to the repo root; the
 * notice is read from LICENSE-WALI beside it. Output is deterministic (sorted, no dates), so
 * rerunning on the same input must leave `git diff` empty; test/unit/wali checks that.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GENERATOR = 'scripts/gen-wali-table.mjs';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_INPUT = resolve(ROOT, '../shared/wali/wali-syscalls.json');
const WASM_TYPES = new Set(['i32', 'i64']);

function fail(msg) {
  throw new Error(`gen-wali-table: ${msg}`);
}

/** `struct  stat *` and `struct stat*` are the same type; keep one spelling. */
function normCtype(t) {
  if (typeof t !== 'string' || t.trim() === '') fail(`bad C type ${JSON.stringify(t)}`);
  return t.trim().replace(/\s+/g, ' ').replace(/\s*\*/g, '*');
}

function normArg(a, where) {
  if (typeof a?.name !== 'string' || !WASM_TYPES.has(a.wasm)) fail(`bad arg in ${where}: ${JSON.stringify(a)}`);
  return { name: a.name, ctype: normCtype(a.ctype), wasm: a.wasm };
}

function normSyscall(s) {
  if (typeof s?.name !== 'string' || !Number.isInteger(s.nr) || typeof s.implemented !== 'boolean') {
    fail(`bad syscall entry ${JSON.stringify(s)}`);
  }
  const args = (s.args ?? []).map((a) => normArg(a, s.name));
  if (args.length > 6) fail(`${s.name} has ${args.length} args`);
  const aliases = [...(s.aliases ?? [])].sort();
  return { name: s.name, nr: s.nr, implemented: s.implemented, aliases, args };
}

function normAux(x) {
  if (typeof x?.name !== 'string') fail(`bad aux entry ${JSON.stringify(x)}`);
  const result = x.result ?? null;
  if (result !== null && !WASM_TYPES.has(result)) fail(`bad aux result in ${x.name}`);
  return { name: x.name, args: (x.args ?? []).map((a) => normArg(a, x.name)), result };
}

function uniqueBy(items, key, what) {
  const seen = new Set();
  for (const it of items) {
    if (seen.has(it[key])) fail(`duplicate ${what} ${it[key]}`);
    seen.add(it[key]);
  }
}

const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The normalised table for the raw JSON text of the WALI spec table. */
export function normalise(rawText) {
  const raw = JSON.parse(rawText);
  if (!Array.isArray(raw.syscalls) || !Array.isArray(raw.aux)) fail('input has no syscalls/aux arrays');
  const syscalls = raw.syscalls.map(normSyscall).sort(byName);
  const aux = raw.aux.map(normAux).sort(byName);
  uniqueBy(syscalls, 'name', 'syscall');
  uniqueBy(syscalls, 'nr', 'syscall number');
  uniqueBy(aux, 'name', 'aux import');
  return {
    generatedFrom: 'the WALI spec syscall table (wali-syscalls.json)',
    generator: GENERATOR,
    sourceSha256: createHash('sha256').update(rawText).digest('hex'),
    source: String(raw.source ?? ''),
    license: 'MIT, see LICENSE-WALI in this directory',
    module: String(raw.module ?? 'wali'),
    syscallPrefix: String(raw.syscallPrefix ?? 'SYS_'),
    syscallResult: String(raw.syscallResult ?? 'i64'),
    syscalls,
    aux,
  };
}

/** Header fields one per line, then one line per syscall and aux entry: small diffs. */
export function format(table) {
  const lines = ['{'];
  for (const [k, v] of Object.entries(table)) {
    if (Array.isArray(v)) {
      lines.push(`  ${JSON.stringify(k)}: [`);
      v.forEach((e, i) => lines.push(`    ${JSON.stringify(e)}${i < v.length - 1 ? ',' : ''}`));
      lines.push(k === 'aux' ? '  ]' : '  ],');
    } else {
      lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
    }
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Returns the two output files as { path relative to the repo root: contents }. */
export function generate(inputPath) {
  const rawText = readFileSync(inputPath, 'utf8');
  const license = readFileSync(join(dirname(inputPath), 'LICENSE-WALI'), 'utf8');
  return {
    'spec/wali/syscalls.json': format(normalise(rawText)),
    'spec/wali/LICENSE-WALI': license,
  };
}

function main() {
  const input = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_INPUT;
  const out = generate(input);
  for (const [rel, text] of Object.entries(out)) {
    const path = join(ROOT, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${rel}`);
  }
  console.log(`(input: ${relative(ROOT, input)})`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
