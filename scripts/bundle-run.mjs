#!/usr/bin/env node
// Bundles the guest thread of `fdwarden run` (dist/cli/run-worker.js and every module it imports)
// into one file, dist/cli/run-worker.bundle.js. Node 20 loads ES modules one by one, about 1 ms
// each on two cores, and that thread imports about a hundred: most of a short run's start-up.
// Run after tsc (npm run build does). Beside the bundle, run-worker.bundle.json lists its inputs
// with their hashes; src/cli/run-worker-script.ts uses the bundle only while they are unchanged,
// so a later tsc build is never shadowed by a stale bundle. Without rolldown (a
// dependency of vitest, so of every development install) nothing is bundled and the CLI loads the
// modules one by one, as before.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const entry = join(dist, 'cli', 'run-worker.js');
const out = join(dist, 'cli', 'run-worker.bundle.js');
const manifest = join(dist, 'cli', 'run-worker.bundle.json');
rmSync(out, { force: true });
rmSync(manifest, { force: true });

let rolldown;
try {
  ({ rolldown } = await import('rolldown'));
} catch {
  console.log('bundle-worker: rolldown is not installed; fdwarden run loads its modules one by one');
  process.exit(0);
}
// koffi is a native addon and binaryen is loaded only when a module needs Asyncify: both stay imports.
const bundle = await rolldown({ input: entry, platform: 'node', external: [/^node:/, 'koffi', 'binaryen'], logLevel: 'warn' });
const { output } = await bundle.write({ file: out, format: 'esm' });
await bundle.close();
// Every input file of the project (dist/ and the packages bundled in), by path relative to dist/cli.
const inputs = output[0].moduleIds.filter((id) => id.startsWith('/')).map((id) => (
  { path: relative(dirname(out), id), sha256: createHash('sha256').update(readFileSync(id)).digest('hex') }));
writeFileSync(manifest, JSON.stringify({ inputs }));
console.log(`bundle-worker: ${relative(process.cwd(), out)} from ${inputs.length} modules`);
