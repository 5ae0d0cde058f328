#!/usr/bin/env node
/**
 * Writes the system names recordings rely on as a snapshot view (`--fs FILE.json`), so that
 * replays and audits of them do not depend on the machine they run on:
 *
 *   node scripts/fixture-snapshot.mjs DIR [OUT.json] [NAME...]
 *
 * DIR holds NAME.strace files and INDEX.tsv (NAME<TAB>cwd=DIR). Each recording is replayed over
 * this machine's disk (run it where the recordings were made, right after recording), and every
 * name the model asks about is kept: its kind and symlink target. Names under /tmp are left out:
 * a recording's work directory is what the recording itself creates. Needs dist/ (npm run build).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { annotateLines } from '../dist/strace/annotate.js';
import { stripAnnotations } from '../dist/strace/annotations.js';
import { liveView } from '../dist/state/live-view.js';

const [dir, out = join(dir ?? '.', 'system.json'), ...only] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: node scripts/fixture-snapshot.mjs DIR [OUT.json] [NAME...]\n');
  process.exit(1);
}
const live = liveView();
const entries = {};
const view = {
  name: 'recording',
  live: false,
  lookup(path) {
    const e = live.lookup(path);
    if (e && path !== '/tmp' && !path.startsWith('/tmp/')) entries[path] = e;
    return e;
  },
  list: (path) => live.list(path),
};
for (const line of readFileSync(join(dir, 'INDEX.tsv'), 'utf8').trim().split('\n')) {
  const [name, cwd] = line.split('\t');
  if (only.length && !only.includes(name)) continue;
  const lines = readFileSync(join(dir, `${name}.strace`), 'latin1').split('\n');
  if (lines.at(-1) === '') lines.pop();
  annotateLines(lines.map(stripAnnotations), { view, cwd: cwd.replace(/^cwd=/, ''), inherit: [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' })) });
}
const sorted = Object.fromEntries(Object.keys(entries).sort().map((k) => [k, entries[k]]));
// Paths are byte strings (one char per byte): bytes past ASCII are written as \u00XX escapes.
const json = JSON.stringify({ entries: sorted }, null, 1).replace(/[\u007f-\u00ff]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
writeFileSync(out, json + '\n');
process.stdout.write(`${out}: ${Object.keys(sorted).length} names\n`);
