#!/usr/bin/env node
// Writes editors/vscode/syntaxes/fdwarden.tmLanguage.json from the language's own word lists
// (src/lsp/grammar.ts, built into dist/). `--check` exits 1 when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { grammarJson } from '../dist/lsp/grammar.js';

const out = new URL('../editors/vscode/syntaxes/fdwarden.tmLanguage.json', import.meta.url);
const text = grammarJson();
if (process.argv.includes('--check')) {
  let now = '';
  try { now = readFileSync(out, 'utf8'); } catch { /* missing: differs */ }
  if (now !== text) {
    process.stderr.write('editors/vscode/syntaxes/fdwarden.tmLanguage.json is stale: run node scripts/gen-grammar.mjs\n');
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
}
